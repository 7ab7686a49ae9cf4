/*
 * replay_main.c - run a libFuzzer target as an ordinary test: feed it every
 * file of the directories named on the command line (seed corpus and fixed
 * crashes from tests/data/regress/), as SQLite's fuzzcheck does. A crash or
 * sanitizer report fails the test; so does finding no input at all.
 *
 * With --torture it runs the allocation-failure mode instead (curl's torture
 * tests, SQLite's fault simulation; tests/torture.c counts and fails the
 * allocations): each input is run once to count its allocations (N), then
 * again failing the 1st, 2nd, ... allocation in turn until a run makes fewer
 * allocations than the one due to fail. A crash, a sanitizer report or a
 * target's own invariant check (which allows for injected failures:
 * fuzz/fuzz.h) fails the test, naming the input, the allocation failed and
 * where it was called from. LeakSanitizer looks for leaks after each input
 * (a check costs tens of ms, a run often less); when it finds one, the
 * executable starts again on that input alone (--torture-each FILE) and
 * checks after every run, to name the allocation whose failure leaked.
 *
 * Bounded in time: an input gets at most MOAT_TORTURE_CAP failure points
 * (default 200), fewer when its runs are slow (its share of what is left of
 * MOAT_TORTURE_SECONDS, default 60 per target, but at least 3); with P
 * points only one allocation in k = ceil(N / P) is failed. The output says
 * how many inputs were sampled so and with which k, and which inputs the
 * budget did not reach (the test still passes: the time is the bound).
 * Inputs run in name order, the regression directory first as given.
 */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "torture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LeakSanitizer and the sanitizers' common interface, when linked in (ASan builds). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t n) __attribute__((weak));

struct input {
    char *path;
    unsigned char *data;
    size_t size;
};

struct inputs {
    struct input *v;
    size_t n, cap;
};

/* What the torture run is doing, for the crash report. */
static struct {
    const char *path;
    unsigned long fail_at, total, step;
} now;

static int read_file(const char *path, struct input *in)
{
    FILE *f = fopen(path, "rb");
    long n;

    if (f == NULL)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    in->size = (size_t)n;
    in->data = malloc(in->size + 1);
    in->path = strdup(path);
    if (in->data == NULL || in->path == NULL || fread(in->data, 1, in->size, f) != in->size) {
        free(in->data);
        free(in->path);
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the files of dir, in name order. */
static void add_dir(struct inputs *all, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof(*names));
            if (names == NULL)
                abort();
        }
        if ((names[n++] = strdup(de->d_name)) == NULL)
            abort();
    }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < sizeof(path)) {
            if (all->n == all->cap) {
                all->cap = all->cap ? 2 * all->cap : 64;
                all->v = realloc(all->v, all->cap * sizeof(*all->v));
                if (all->v == NULL)
                    abort();
            }
            if (read_file(path, &all->v[all->n]) == 0)
                all->n++;
        }
        free(names[i]);
    }
    free(names);
}

static void say_site(FILE *out, void *site)
{
    char sym[512] = "";

    if (site == NULL)
        return;
    if (__sanitizer_symbolize_pc != NULL)
        __sanitizer_symbolize_pc((char *)site - 1, "%F %L", sym, sizeof(sym));
    fprintf(out, "torture: the failed allocation was called from %p %s\n", site, sym);
}

static void say_where(void)
{
    static bool said;

    if (now.path == NULL || said)
        return;
    said = true;
    fprintf(stderr, "torture: %s: failing allocation %lu of %lu (one in %lu)\n", now.path,
            now.fail_at, now.total, now.step);
    say_site(stderr, torture_site());
}

static void on_signal(int sig)
{
    say_where();
    signal(sig, SIG_DFL);
    raise(sig);
}

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
    const char *s = getenv(name);
    char *end;
    unsigned long v;

    if (s == NULL || *s == '\0')
        return dflt;
    v = strtoul(s, &end, 10);
    return *end == '\0' && v > 0 ? v : dflt;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static bool leaked(void)
{
    return __lsan_do_recoverable_leak_check != NULL && __lsan_do_recoverable_leak_check() != 0;
}

#define MIN_POINTS 3 /* failure points an input gets however slow its runs */

struct limits {
    unsigned long cap; /* most failure points per input */
    double share;      /* seconds the input may take (0: no limit) */
    bool each;         /* check for leaks after every run, not once at the end */
    bool verbose;      /* name each input whose allocations were sampled */
};

struct tally {
    long runs;                /* runs with a failed allocation */
    size_t sampled;           /* inputs of which only every k-th allocation was failed */
    unsigned long kmin, kmax; /* their k */
};

/* Torture one input; 0, or -1 after a leak (reported). */
static int torture_one(const struct input *in, const struct limits *lim, struct tally *tl)
{
    unsigned long total, points = lim->cap;
    struct timespec t0;
    double dry;
    bool each = lim->each;

    now.path = in->path;
    now.fail_at = 0;
    now.step = 1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    torture_arm(0);
    LLVMFuzzerTestOneInput(in->data, in->size);
    total = torture_disarm();
    dry = seconds_since(&t0);
    /* as many failure points as the input's share of the time budget allows */
    if (lim->share > 0 && dry > 0 && lim->share / dry < (double)points)
        points = lim->share / dry < MIN_POINTS ? MIN_POINTS : (unsigned long)(lim->share / dry);
    now.total = total;
    now.step = total > points ? (total + points - 1) / points : 1;
    for (unsigned long i = 1;; i += now.step) {
        now.fail_at = i;
        torture_arm(i);
        LLVMFuzzerTestOneInput(in->data, in->size);
        if (torture_disarm() < i)
            break; /* ran to the end without reaching allocation i */
        tl->runs++;
        if (each && leaked()) {
            say_where();
            fflush(NULL);
            _exit(1); /* the leak is reported: not again at exit */
        }
    }
    if (!each && leaked()) {
        fprintf(stderr, "torture: %s leaks after a failed allocation (report above)\n", in->path);
        return -1;
    }
    now.path = NULL;
    if (now.step > 1) {
        tl->sampled++;
        tl->kmin = tl->kmin == 0 || now.step < tl->kmin ? now.step : tl->kmin;
        tl->kmax = now.step > tl->kmax ? now.step : tl->kmax;
        if (lim->verbose)
            printf("torture: %s: %lu allocations, one in %lu failed (%lu points: cap %lu, "
                   "%.3f s a run, a share of %.1f s)\n",
                   in->path, total, now.step, points, lim->cap, dry, lim->share);
    }
    return 0;
}

/* After a leak found at the end of an input: start again on that input alone, checking for
 * leaks after every run (a fresh process, as the leak found stays reported), with full stack
 * traces of the leaked blocks (slow on every allocation, so only here). */
static void find_leaking_run(const char *path)
{
    char *argv[] = {"replay", "--torture-each", (char *)path, NULL};
    const char *old = getenv("ASAN_OPTIONS");
    char opts[1024];

    snprintf(opts, sizeof(opts), "%s%sfast_unwind_on_malloc=0", old ? old : "", old ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    fprintf(stderr, "torture: running %s again, checking after every run\n", path);
    fflush(NULL);
    execv("/proc/self/exe", argv);
    perror("torture: execv /proc/self/exe");
}

static int torture(const struct inputs *all, bool each)
{
    unsigned long cap = each ? ULONG_MAX : env_ulong("MOAT_TORTURE_CAP", 200);
    unsigned long budget = each ? ULONG_MAX : env_ulong("MOAT_TORTURE_SECONDS", 60);
    bool verbose = getenv("MOAT_TORTURE_VERBOSE") != NULL;
    struct tally tl = {0};
    struct timespec t0;
    size_t done = 0;

    if (__lsan_do_recoverable_leak_check == NULL)
        printf("torture: built without LeakSanitizer: leaks are not checked\n");
    /* the sanitizers report crashes themselves; a target's abort() is ours to explain */
    if (__sanitizer_set_death_callback != NULL)
        __sanitizer_set_death_callback(say_where);
    else
        signal(SIGSEGV, on_signal);
    signal(SIGABRT, on_signal);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (; done < all->n && seconds_since(&t0) < (double)budget; done++) {
        double left = (double)budget - seconds_since(&t0);
        struct limits lim = {cap, each ? 0 : left / (double)(all->n - done), each, verbose};

        if (torture_one(&all->v[done], &lim, &tl) < 0) {
            if (!each)
                find_leaking_run(all->v[done].path);
            return 1;
        }
    }
    if (each) {
        fprintf(stderr, "torture: the leak did not show again run by run\n");
        return 1;
    }
    printf("torture: %zu of %zu inputs, %ld runs with a failed allocation, %.1f s\n", done, all->n,
           tl.runs, seconds_since(&t0));
    if (tl.sampled > 0)
        printf("torture: %zu inputs sampled: one allocation in k failed, k = %lu..%lu (at most %lu "
               "points an input, fewer once its share of %lu s is spent; MOAT_TORTURE_VERBOSE=1 "
               "names them)\n",
               tl.sampled, tl.kmin, tl.kmax, cap, budget);
    if (done < all->n)
        printf("torture: time budget of %lu s spent (MOAT_TORTURE_SECONDS): %zu inputs not "
               "reached, %s to %s\n",
               budget, all->n - done, all->v[done].path, all->v[all->n - 1].path);
    return 0;
}

int main(int argc, char **argv)
{
    struct inputs all = {0};
    bool each = argc > 2 && strcmp(argv[1], "--torture-each") == 0;
    bool tort = each || (argc > 1 && strcmp(argv[1], "--torture") == 0);
    int rc = 0;

    torture_setup();
    if (each) {
        all.v = calloc(1, sizeof(*all.v));
        if (all.v != NULL && read_file(argv[2], all.v) == 0)
            all.n = 1;
    }
    for (int i = tort ? 2 : 1; !each && i < argc; i++)
        add_dir(&all, argv[i]);
    if (tort)
        rc = torture(&all, each);
    else
        for (size_t i = 0; i < all.n; i++)
            LLVMFuzzerTestOneInput(all.v[i].data, all.v[i].size);
    printf("replayed %zu inputs\n", all.n);
    for (size_t i = 0; i < all.n; i++) {
        free(all.v[i].data);
        free(all.v[i].path);
    }
    free(all.v);
    return rc != 0 || all.n == 0 ? 1 : 0;
}
