/* room: source */
/*
 * fuzz_tar_walk.c - bytes as an outer tar (index, then every member looked
 * up through its links) and as a layer blob (decompressed by magic, walked
 * by the layer tar reader, every entry's content read and checked against
 * its size, then close() drains it).
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "source/source_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct source_range r = {-1, 0, data, 0, size};
    struct source_tar_index ix;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *lr = NULL;
    /* tighter than the real bounds so one input stays fast */
    struct source_limits lim = {16u << 20, 1u << 20, 1024};
    struct source_layer_spec spec = {"fuzz", 0, NULL, NULL, UINT64_MAX, NULL, NULL, &lim};
    struct moat_entry e;
    char buf[4096];

    if (source_tar_index_build(&r, "fuzz", &ix, &err) == 0) {
        for (size_t i = 0; i < ix.n && i < 64; i++) {
            const struct source_tar_member *m;

            if (source_tar_find(&ix, ix.m[i].name, "fuzz", &m, &err) == 0 &&
                (m->off > size || m->size > size - m->off))
                abort(); /* a member outside the input */
        }
        source_tar_index_free(&ix);
    }
    if (source_layer_tar_open(&r, &spec, &lr, &err) == 0) {
        int rc;

        while ((rc = moat_entry_next(lr, &e, &err)) > 0) {
            ssize_t k;

            uint64_t got = 0;

            if (e.path == NULL || e.path_len != __builtin_strlen(e.path) || e.path_len == 0)
                abort();
            if ((e.type == MOAT_FT_SYMLINK || e.type == MOAT_FT_HARDLINK) &&
                (e.link == NULL || e.link_len != __builtin_strlen(e.link)))
                abort();
            while ((k = moat_entry_read(lr, buf, sizeof(buf), &err)) > 0)
                got += (uint64_t)k;
            if (k < 0)
                break;
            if (got != e.size)
                abort(); /* a regular file gives exactly its size, anything else nothing */
        }
        moat_entry_reader_close(lr, &err);
    }
    moat_err_clear(&err);
    return 0;
}
