/* Hand-written in the form pdc writes headers, for functions that are wrong
 * on purpose: the finite-difference checker (gen_fd_check.py) must flag each
 * one, and pass the correct one. See wrong.c and expect_failure.cmake. */
#ifndef WRONG_H
#define WRONG_H

#ifdef __cplusplus
extern "C" {
#endif

/* good(x, y) = x*y + sin(x) -- correct, must pass */
double good(double x, double y);
/* dgood/dx = y + cos(x) */
double good_dx(double x, double y);
/* dgood/dy = x */
double good_dy(double x, double y);
/* Returns good(x, y) and writes its gradient to grad[0..1]: grad[0] = dgood/dx, grad[1] = dgood/dy. */
double good_grad(double x, double y, double *grad);

/* badderiv(x, y, k) = k*x^2*y -- the partial in y is 2% off */
double badderiv(double x, double y, double k);
/* dbadderiv/dx = 2*k*x*y */
double badderiv_dx(double x, double y, double k);
/* dbadderiv/dy = k*x^2 (returns 1.02*k*x^2) */
double badderiv_dy(double x, double y, double k);
/* Returns badderiv(x, y, k) and writes its gradient to grad[0..1]: grad[0] = dbadderiv/dx, grad[1] = dbadderiv/dy. */
double badderiv_grad(double x, double y, double k, double *grad);

/* slight(x) = sin(x) -- the derivative is off by a relative 1e-5 */
double slight(double x);
/* dslight/dx = cos(x) (returns cos(x)*(1 + 1e-5)) */
double slight_dx(double x);
/* Returns slight(x) and writes its gradient to grad[0..0]: grad[0] = dslight/dx. */
double slight_grad(double x, double *grad);

/* badvalue(x) = exp(x) -- _grad returns a value one ulp off */
double badvalue(double x);
/* dbadvalue/dx = exp(x) */
double badvalue_dx(double x);
/* Returns badvalue(x) and writes its gradient to grad[0..0]: grad[0] = dbadvalue/dx. */
double badvalue_grad(double x, double *grad);

/* badgrad(x) = x^3 -- grad[0] is one ulp off badgrad_dx */
double badgrad(double x);
/* dbadgrad/dx = 3*x^2 */
double badgrad_dx(double x);
/* Returns badgrad(x) and writes its gradient to grad[0..0]: grad[0] = dbadgrad/dx. */
double badgrad_grad(double x, double *grad);

/* overrun(x, y) = x - y -- _grad writes grad[2] too */
double overrun(double x, double y);
/* doverrun/dx = 1 */
double overrun_dx(double x, double y);
/* doverrun/dy = -1 */
double overrun_dy(double x, double y);
/* Returns overrun(x, y) and writes its gradient to grad[0..1]: grad[0] = doverrun/dx, grad[1] = doverrun/dy. */
double overrun_grad(double x, double y, double *grad);

/* badhess(x, y) = x^2*y^3 -- H[1] (d2/dx dy) is off by a factor 2 */
double badhess(double x, double y);
/* dbadhess/dx = 2*x*y^3 */
double badhess_dx(double x, double y);
/* dbadhess/dy = 3*x^2*y^2 */
double badhess_dy(double x, double y);
/* Returns badhess(x, y) and writes its gradient to grad[0..1]: grad[0] = dbadhess/dx, grad[1] = dbadhess/dy. */
double badhess_grad(double x, double y, double *grad);
/* Writes the 2x2 Hessian, row-major: H[i*2 + j] = d2badhess/(d wi d wj) for wi, wj in (x, y). */
void badhess_hess(double x, double y, double *H);

#ifdef __cplusplus
}
#endif

#endif /* WRONG_H */
