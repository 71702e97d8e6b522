/* strmap.c — FNV-1a hashed, linear probing, grows at half full. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

void strmap_init(StrMap *m) { memset(m, 0, sizeof *m); }

void strmap_free(StrMap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

void *strmap_get(const StrMap *m, const char *key) {
  if (!m->cap) return NULL;
  for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->keys[i]) return NULL;
    if (strcmp(m->keys[i], key) == 0) return m->vals[i];
  }
}

static void strmap_grow(StrMap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  const char **keys = xcalloc(cap, sizeof *keys);
  void **vals = xcalloc(cap, sizeof *vals);
  for (size_t j = 0; j < m->cap; j++) {
    if (!m->keys[j]) continue;
    size_t i = str_hash(m->keys[j]) & (cap - 1);
    while (keys[i]) i = (i + 1) & (cap - 1);
    keys[i] = m->keys[j];
    vals[i] = m->vals[j];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
}

void *strmap_put(StrMap *m, const char *key, void *val) {
  if ((m->count + 1) * 2 > m->cap) strmap_grow(m);
  size_t i = str_hash(key) & (m->cap - 1);
  for (; m->keys[i]; i = (i + 1) & (m->cap - 1))
    if (strcmp(m->keys[i], key) == 0) return m->vals[i];
  m->keys[i] = key;
  m->vals[i] = val;
  m->count++;
  return NULL;
}
