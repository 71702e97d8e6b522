/* arena.c — blocks grow geometrically; large requests get their own block. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ArenaBlock {
  ArenaBlock *next;
  size_t used, cap;
  alignas(max_align_t) unsigned char data[];
};

enum { ARENA_MIN_BLOCK = 64 * 1024 };

void arena_init(Arena *a) {
  a->head = NULL;
  a->total = 0;
}

static ArenaBlock *arena_new_block(size_t cap) {
  ArenaBlock *b = xmalloc(sizeof(ArenaBlock) + cap);
  b->next = NULL;
  b->used = 0;
  b->cap = cap;
  return b;
}

void *arena_alloc(Arena *a, size_t size) {
  const size_t align = alignof(max_align_t);
  size = (size + align - 1) & ~(align - 1);
  ArenaBlock *b = a->head;
  if (!b || b->cap - b->used < size) {
    size_t cap = b ? b->cap * 2 : ARENA_MIN_BLOCK;
    if (cap > 16u * 1024 * 1024) cap = 16u * 1024 * 1024;
    if (cap < size) cap = size;
    ArenaBlock *nb = arena_new_block(cap);
    nb->next = b;
    a->head = b = nb;
  }
  void *p = b->data + b->used;
  b->used += size;
  a->total += size;
  memset(p, 0, size);
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

void arena_free_all(Arena *a) {
  ArenaBlock *b = a->head;
  while (b) {
    ArenaBlock *next = b->next;
    free(b);
    b = next;
  }
  a->head = NULL;
  a->total = 0;
}
