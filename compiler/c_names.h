/* c_names.h — identifiers C and C++ give a meaning to. A generated symbol
 * spelled like one cannot be declared in the header (sema rejects the
 * function), and a parameter spelled like one gets another spelling in the
 * header (header.c): keywords of C17 and C++20, reserved identifiers (_X,
 * __x), and the object-like macros and type names of the standard headers
 * a caller is likely to include first (NULL, errno, I, M_PI, size_t, ...). */
#ifndef PDC_C_NAMES_H
#define PDC_C_NAMES_H

int c_name_is_taken(const char *name);

#endif
