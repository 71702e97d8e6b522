/* arena.h — bump allocator. Every data structure of one compilation (tokens,
 * AST, DAG nodes, derivative tables) lives in one arena and is freed in one
 * call; nothing in the front end or the DAG is freed individually, so sharing
 * nodes (hash-consing) never raises the question of who owns them. */
#ifndef PDC_ARENA_H
#define PDC_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
  ArenaBlock *head;
  size_t total; /* bytes handed out, for statistics */
} Arena;

void arena_init(Arena *a);
void *arena_alloc(Arena *a, size_t size); /* zeroed, aligned for any type */
char *arena_strndup(Arena *a, const char *s, size_t n);
void arena_free_all(Arena *a);

#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n) ((T *)arena_alloc((a), sizeof(T) * (size_t)(n)))

#endif
