/* strmap.h — string-keyed hash map (open addressing) for symbol tables.
 * Keys are not copied: they must outlive the map (arena strings do). */
#ifndef PDC_STRMAP_H
#define PDC_STRMAP_H

#include <stddef.h>

typedef struct StrMap {
  const char **keys;
  void **vals;
  size_t cap, count;
} StrMap;

void strmap_init(StrMap *m);
void strmap_free(StrMap *m);
void *strmap_get(const StrMap *m, const char *key);
/* Inserts key -> val unless present; returns the previous value or NULL. */
void *strmap_put(StrMap *m, const char *key, void *val);

#endif
