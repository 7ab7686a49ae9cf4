/*
 * cache.c - LRU + TTL (see cache.h): a chained hash table keyed with a
 * per-cache random SipHash key (keys come from requests) and a doubly linked
 * recency list, both under one mutex. Expired entries are dropped when met.
 */
#include "moat/policy/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moat/base/hash.h"

struct entry {
    char *key;
    json_t *value;
    uint64_t expires;
    struct entry *next_in_bucket;
    struct entry *prev, *next; /* recency: head = most recent */
};

struct moat_cache {
    pthread_mutex_t lock;
    struct entry **buckets;
    size_t n_buckets, n, capacity;
    uint64_t ttl_ms;
    uint64_t hkey[2];
    struct entry *head, *tail;
};

uint64_t moat_cache_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int moat_cache_new(size_t capacity, uint64_t ttl_ms, struct moat_cache **out, struct moat_err *err)
{
    struct moat_cache *c;

    *out = NULL;
    if (capacity == 0 || capacity > (1u << 24))
        return moat_err_set(err, MOAT_E_ARG, "cache size must be 1 to %u", 1u << 24);
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    c->n_buckets = 16;
    while (c->n_buckets < capacity)
        c->n_buckets *= 2;
    c->buckets = calloc(c->n_buckets, sizeof *c->buckets);
    if (c->buckets == NULL) {
        free(c);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    c->capacity = capacity;
    c->ttl_ms = ttl_ms;
    moat_hash_key(c->hkey);
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return 0;
}

static size_t bucket_of(struct moat_cache *c, const char *key)
{
    return (size_t)(moat_siphash13(c->hkey, key, strlen(key)) & (c->n_buckets - 1));
}

static void unlink_lru(struct moat_cache *c, struct entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(struct moat_cache *c, struct entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head != NULL)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
}

static void drop(struct moat_cache *c, struct entry *e)
{
    struct entry **pp = &c->buckets[bucket_of(c, e->key)];

    while (*pp != e)
        pp = &(*pp)->next_in_bucket;
    *pp = e->next_in_bucket;
    unlink_lru(c, e);
    json_decref(e->value);
    free(e->key);
    free(e);
    c->n--;
}

static struct entry *find(struct moat_cache *c, const char *key)
{
    struct entry *e = c->buckets[bucket_of(c, key)];

    while (e != NULL && strcmp(e->key, key) != 0)
        e = e->next_in_bucket;
    return e;
}

json_t *moat_cache_get(struct moat_cache *c, const char *key)
{
    json_t *v = NULL;
    struct entry *e;

    if (strlen(key) > MOAT_CACHE_MAX_KEY)
        return NULL;
    pthread_mutex_lock(&c->lock);
    e = find(c, key);
    if (e != NULL && e->expires <= moat_cache_now_ms()) {
        drop(c, e);
        e = NULL;
    }
    if (e != NULL) {
        unlink_lru(c, e);
        push_front(c, e);
        v = json_incref(e->value);
    }
    pthread_mutex_unlock(&c->lock);
    return v;
}

int moat_cache_put(struct moat_cache *c, const char *key, json_t *value)
{
    struct entry *e;
    size_t b;

    if (c->ttl_ms == 0 || strlen(key) > MOAT_CACHE_MAX_KEY)
        return 0;
    pthread_mutex_lock(&c->lock);
    if ((e = find(c, key)) != NULL)
        drop(c, e);
    while (c->n >= c->capacity && c->tail != NULL)
        drop(c, c->tail);
    e = calloc(1, sizeof *e);
    if (e == NULL || (e->key = strdup(key)) == NULL) {
        free(e);
        pthread_mutex_unlock(&c->lock);
        return -MOAT_E_NOMEM;
    }
    e->value = json_incref(value);
    e->expires = moat_cache_now_ms() + c->ttl_ms;
    b = bucket_of(c, key);
    e->next_in_bucket = c->buckets[b];
    c->buckets[b] = e;
    push_front(c, e);
    c->n++;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

size_t moat_cache_size(struct moat_cache *c)
{
    size_t n;

    pthread_mutex_lock(&c->lock);
    n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

void moat_cache_free(struct moat_cache *c)
{
    if (c == NULL)
        return;
    while (c->head != NULL)
        drop(c, c->head);
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
