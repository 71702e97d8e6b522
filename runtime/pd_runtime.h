/* pd_runtime.h — libpdrt: compile .pd source at run time and check gradients.
 *
 * libpdrt is pdc inside a C program. pd_compile runs the compiler's own
 * front end, code generator and optimizer on a string and hands the result
 * to LLVM's ORC LLJIT, so the functions it returns are the ones `pdc` would
 * have put in an object file for the same source, options and CPU: the same
 * language, the same derivatives, the same rounding. Errors in the source
 * come back as the text pdc prints (`name:line:col: error: ...`, the source
 * line, a caret); nothing is ever written to stderr.
 *
 * libpdrt never ends, forks or signals its host: it calls none of exit,
 * _exit, abort, fork or system. An internal error of the compiler (a bug)
 * and exhausted memory make pd_compile return NULL with the diagnostic
 * `pdc: internal error at ...` or `pdc: error: out of memory (...)`, after
 * releasing everything that compilation allocated; the process goes on.
 *
 *   char *diag = NULL;
 *   pd_module *m = pd_compile("fn f(x, y) = x^2 - y^2\n", NULL, &diag);
 *   if (!m) { fputs(diag, stderr); free(diag); return 1; }
 *   double (*f_grad)(double, double, double *) =
 *       (double (*)(double, double, double *))pd_symbol(m, "f_grad");
 *   double g[2], v = f_grad(2, 3, g);            // -5, g = {4, -6}
 *   pd_module_free(m);
 *
 * Ownership: a pd_module owns its code and everything pd_function_* and
 * pd_symbol return; all of it stays valid until pd_module_free. Strings the
 * caller must free (diagnostics) are malloc'd and say so.
 *
 * Threads: modules are independent (each has its own LLVM context and JIT),
 * so different threads may compile, call and free different modules at the
 * same time. The generated functions keep no state and may be called from
 * any number of threads at once. Freeing a module while another thread
 * calls into it is, as for dlclose, the caller's bug.
 *
 * See docs/runtime.md for the whole story. */
#ifndef PD_RUNTIME_H
#define PD_RUNTIME_H

#include <stddef.h> /* size_t: the sizes of array parameters */

#ifdef __cplusplus
extern "C" {
#endif

#define PD_RUNTIME_VERSION_MAJOR 0
#define PD_RUNTIME_VERSION_MINOR 3

typedef struct pd_module pd_module;

/* ---- options ------------------------------------------------------------- */

/* The knobs of `pdc` that make sense for code run in this process. Every
 * field's zero is its default, so `pd_options o = {0};` (or
 * pd_options_init, PD_OPTIONS_INIT) is pdc's defaults, and NULL options to
 * pd_compile mean the same. (Before version 0.2 a zero opt_level meant -O0
 * and a zero fp_contract no contraction.) */
typedef struct pd_options {
  const char *name;   /* source name in diagnostics; NULL: "<source>" */
  int opt_level;      /* 0: the default, -O2; 1, 2, 3: -O1..-O3; PD_OPT_O0: -O0 */
  const char *cpu;    /* NULL (default): the host CPU with all its features, as
                         pdc --cpu=native (code compiled here runs here). A
                         name (e.g. "x86-64-v3") gives the code pdc
                         --cpu=NAME gives; name a CPU this machine implements. */
  const char *prefix; /* put before every generated symbol, as --prefix; NULL
                         or "" for none. Must be a C identifier. */
  int fast_math;      /* 1: as -ffast-math; 0 (default): off */
  int no_fp_contract; /* 1: as -ffp-contract=off; 0 (default): a*b+c may fuse */
} pd_options;

/* opt_level for -O0 (no optimization); 0 is the default, -O2. */
#define PD_OPT_O0 (-1)

#define PD_OPTIONS_INIT                                                                                                \
  { 0, 0, 0, 0, 0, 0 } /* name, opt_level, cpu, prefix, fast_math, no_fp_contract: all defaults */

/* Fills *opts with the defaults, the same as pdc's. */
void pd_options_init(pd_options *opts);

/* ---- compiling ----------------------------------------------------------- */

/* Compiles the NUL-terminated .pd source. Returns the module, or NULL when
 * the source has errors or cannot be compiled. When diagnostics is not NULL,
 * *diagnostics receives malloc'd text for the caller to free(), or NULL
 * when there is nothing to say. A successful compile may still have
 * warnings (a constant part of a formula that is inf or NaN, as 1/0). The
 * text is what pdc prints on stderr: for the source
 * `name:line:col: error: message` (or `warning:`), the line and a caret,
 * notes alike; for
 * problems with no place in the source (a bad option, an unknown CPU)
 * `pdc: error: message`. opts may be NULL for the defaults. */
pd_module *pd_compile(const char *source, const pd_options *opts, char **diagnostics);

/* Reads the file at path and compiles it like pd_compile; diagnostics name
 * the file by path unless opts->name is set. A file that cannot be read is
 * a `pdc: error: cannot read ...` diagnostic. */
pd_module *pd_compile_file(const char *path, const pd_options *opts, char **diagnostics);

/* The address of a generated symbol ("f", "f_dx", "f_grad", "f_hess", with
 * the prefix when one was given), to be cast to its type:
 *   double f(double...), double f_d<v>(double...),
 *   double f_grad(double..., double *grad), void f_hess(double..., double *H).
 * A function with array parameters takes its sizes first, then scalars as
 * double and arrays as const double * (docs/language.md, "The C interface
 * of array functions"): double rosen_nd(size_t n, const double *x).
 * NULL for a name the module does not define, or a NULL argument. */
void *pd_symbol(pd_module *m, const char *name);

/* Frees the module and its code (NULL is allowed). Every pointer obtained
 * from it becomes invalid. */
void pd_module_free(pd_module *m);

/* ---- what a module contains ---------------------------------------------- */

/* Array forms of the generated functions: args[i] is parameter i (in
 * declaration order). They call the generated functions themselves, so
 * results are bit-identical to calling through pd_symbol; they exist so
 * that code which learns the arity at run time can call any function.
 * Functions with array parameters have none (their fields are NULL). */
typedef double (*pd_value_fn)(const double *args);              /* f, f_d<v> */
typedef double (*pd_grad_fn)(const double *args, double *grad); /* f_grad */
typedef void (*pd_hess_fn)(const double *args, double *H);      /* f_hess */

/* Sized forms (since 0.3), which every function has, with or without
 * arrays: sizes[k] is size variable k (may be NULL when there are none) and
 * args[p] points to parameter p's value: one double for a scalar, the first
 * element of an array (row-major; NULL is fine when it has no elements).
 * Like the array forms they call the generated functions themselves, so the
 * results are bit-identical to direct calls. */
typedef double (*pd_sized_value_fn)(const size_t *sizes, const double *const *args);
typedef double (*pd_sized_grad_fn)(const size_t *sizes, const double *const *args, double *grad);
typedef void (*pd_sized_hess_fn)(const size_t *sizes, const double *const *args, double *H);

/* One dimension of an array parameter (since 0.3): a run-time size, which
 * is the C parameter sizes[size] of the function, or a fixed extent. */
typedef struct pd_extent {
  int size;     /* index of the size variable (into pd_function's sizes), or -1: fixed */
  size_t fixed; /* the number of elements when size is -1; 0 otherwise */
} pd_extent;

/* One function of the source, in source order. Everything here is owned by
 * the module. */
typedef struct pd_function {
  const char *name;   /* as written in the source, without prefix */
  const char *symbol; /* the value's symbol: prefix + name */
  int nparams;
  const char *const *params;          /* parameter names, declaration order */
  int nwrt;                           /* number of wrt variables; without arrays also the gradient
                                         length (pd_function_grad_length in general) */
  const int *wrt;                     /* parameter index of each wrt variable */
  const char *const *partial_symbols; /* "f_d<v>" for each wrt variable; NULL for an array */
  const char *grad_symbol;            /* "f_grad" */
  const char *hess_symbol;            /* "f_hess", or NULL without `hessian` */
  int hessian;                        /* 1 when f_hess exists (nwrt*nwrt, row-major) */
  pd_value_fn value;                  /* array forms of f, f_d<v>, f_grad, f_hess; all NULL */
  const pd_value_fn *partials;        /* when has_arrays (use the sized forms) */
  pd_grad_fn grad;
  pd_hess_fn hess; /* NULL without `hessian` */
  /* Since 0.3: array parameters. A function without them has has_arrays 0,
   * nsizes 0 and every ndims[p] 0. */
  int has_arrays;                          /* 1 when some parameter is an array */
  int nsizes;                              /* size variables: the first C parameters, size_t */
  const char *const *sizes;                /* their names, in C-signature order */
  const int *ndims;                        /* per parameter: 0 for a scalar, 1 or 2 */
  const pd_extent *extents;                /* extents[2*p + k]: dimension k of parameter p (k = 0, 1;
                                              a fixed 1 past ndims[p], so length = product) */
  pd_sized_value_fn sized_value;           /* sized forms of f, f_d<v>, f_grad, f_hess */
  const pd_sized_value_fn *sized_partials; /* per wrt variable; NULL for an array */
  pd_sized_grad_fn sized_grad;
  pd_sized_hess_fn sized_hess; /* NULL without `hessian` */
} pd_function;

/* Number of functions in the module (0 for NULL). */
int pd_function_count(const pd_module *m);

/* Function i (0 <= i < count), or NULL when out of range. */
const pd_function *pd_function_at(const pd_module *m, int i);

/* The function named name as written in the source (without the prefix),
 * or NULL. */
const pd_function *pd_function_find(const pd_module *m, const char *name);

/* Lengths at given sizes (since 0.3). sizes[k] is size variable k's value;
 * sizes may be NULL when f->nsizes is 0. Each returns (size_t)-1 for a NULL
 * f, a parameter index out of range, NULL sizes that are needed, or a
 * length that does not fit in size_t.
 *
 * pd_function_param_length: the doubles parameter p holds, 1 for a scalar
 * and the product of its extents for an array.
 * pd_function_input_length: the sum over all parameters, the length of a
 * point for pd_gradcheck_sized (parameters in order, arrays flattened).
 * pd_function_grad_length: the sum over the wrt variables, the length of
 * f_grad's gradient (wrt order, arrays flattened). */
size_t pd_function_param_length(const pd_function *f, int p, const size_t *sizes);
size_t pd_function_input_length(const pd_function *f, const size_t *sizes);
size_t pd_function_grad_length(const pd_function *f, const size_t *sizes);

/* ---- gradient checking --------------------------------------------------- */

/* The checker compares a gradient with a central finite difference of the
 * function's value, the 4th-order (Richardson) difference
 *   fd = (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / (12 h),
 *   h = rel_step * max(1, |x|)
 * for each wrt variable in turn, and measures for each partial g
 *   err = |g - fd| / max(|g|, |fd|, 1e-3 * scale)
 * where scale is the largest |fd_j| of the gradient at that point: a
 * finite difference's error is a fraction of the whole gradient, so a
 * component far smaller than the largest is compared in absolute terms.
 * (It is the measure pdc's own end-to-end tests use.) A non-finite g or fd
 * counts as an error of +infinity. */
typedef struct pd_gradcheck_options {
  double rel_step; /* h relative to max(1, |x|); 0: 1e-3 */
  double tol;      /* a variable fails when its worst err is not below tol; 0: 1e-6 */
} pd_gradcheck_options;

/* Checks function `function` (name as written, without prefix) of module m
 * at npoints points: x holds npoints rows of nparams parameter values. Both
 * f_grad's gradient and every f_d<v> are compared with the difference of f.
 * rel_err (may be NULL) receives, per wrt variable, the worst err over all
 * points and both forms. Returns the number of wrt variables that fail (0:
 * the gradient agrees), or -1 when the arguments are unusable (unknown
 * function, NULL x, npoints < 1). opts may be NULL for the defaults.
 * Since 0.3 it is pd_gradcheck_sized with no sizes: it also takes functions
 * whose arrays all have fixed extents (a row is then the packed inputs),
 * and returns -1 for a function with size variables. */
int pd_gradcheck(pd_module *m, const char *function, const double *x, int npoints, const pd_gradcheck_options *opts,
                 double *rel_err);

/* pd_gradcheck for any function, at the sizes given (since 0.3): sizes[k]
 * is size variable k (NULL when the function has none), and x holds npoints
 * rows of pd_function_input_length(f, sizes) doubles, each a point: the
 * parameters in declaration order, a scalar as one value, an array
 * flattened row-major. Each entry of f_grad's gradient
 * (pd_function_grad_length of them: wrt order, arrays flattened) is compared
 * with the difference of f along its input, and f_d<v> too for scalar wrt
 * variables. rel_err (may be NULL) receives the worst err of each gradient
 * entry. Returns the number of entries that fail (0: the gradient agrees),
 * or -1 when the arguments are unusable: unknown function, NULL sizes for a
 * function with size variables, NULL x with a non-empty point, npoints < 1,
 * lengths that overflow, or no memory for a copy of a point. It calls f
 * 4 times per gradient entry per point: sizes of a few hundred are quick. */
int pd_gradcheck_sized(pd_module *m, const char *function, const size_t *sizes, const double *x, int npoints,
                       const pd_gradcheck_options *opts, double *rel_err);

/* A function pointer of any type, for the native-signature checker below
 * (convert with a cast: (pd_fnptr)my_grad). */
typedef void (*pd_fnptr)(void);

enum { PD_GRADCHECK_MAX_NATIVE_PARAMS = 16 };

/* The checker for functions of the generated signatures, whoever wrote
 * them: f is double f(double x1, ..., double xn) (may be NULL: f_grad's
 * return value is used instead) and f_grad is
 * double f_grad(double x1, ..., double xn, double *grad), with
 * n = nparams <= PD_GRADCHECK_MAX_NATIVE_PARAMS. wrt lists the parameter
 * index of each of the nwrt gradient entries (NULL: parameters 0..nwrt-1).
 * x, npoints, opts, rel_err and the result as for pd_gradcheck; -1 also
 * for a bad nparams, nwrt or wrt index. Functions of scalars only: for a
 * signature with sizes and arrays, wrap it in a sized form and use
 * pd_gradcheck_sized_forms. */
int pd_gradcheck_native(pd_fnptr f, pd_fnptr f_grad, int nparams, const int *wrt, int nwrt, const double *x,
                        int npoints, const pd_gradcheck_options *opts, double *rel_err);

/* The same for array forms (any number of parameters): f(args) and
 * f_grad(args, grad); f may be NULL. pd_function's value and grad fit. */
int pd_gradcheck_array(pd_value_fn f, pd_grad_fn f_grad, int nparams, const int *wrt, int nwrt, const double *x,
                       int npoints, const pd_gradcheck_options *opts, double *rel_err);

/* The same for sized forms written by anyone (since 0.3), such as a
 * hand-written gradient checked against a compiled function's value: shape
 * (a pd_function of any module) gives the parameters, their extents, the
 * size variables and the wrt variables; f may be NULL (f_grad's return
 * value is used). No f_d<v> is checked. sizes, x, npoints, opts, rel_err and
 * the result as for pd_gradcheck_sized; -1 also for a NULL shape or f_grad. */
int pd_gradcheck_sized_forms(const pd_function *shape, pd_sized_value_fn f, pd_sized_grad_fn f_grad,
                             const size_t *sizes, const double *x, int npoints, const pd_gradcheck_options *opts,
                             double *rel_err);

#ifdef __cplusplus
}
#endif

#endif
