/* room: sbom */
/*
 * fuzz_sbom_read.c - libFuzzer target for reading a stored SBOM back
 * (CycloneDX, SPDX and moat's own JSON, streamed). The input is written to
 * an in-memory file and read through its /proc/self/fd path, as a file
 * given on the command line would be.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "moat/catalog/catalog.h"
#include "moat/sbom/sbom_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char path[64], *name = NULL;
    int fd = memfd_create("sbom", MFD_CLOEXEC);

    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        moat_sbom_sniff(path);
        moat_sbom_read(path, &inv, &name, &err);
    }
    close(fd);
    free(name);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    return 0;
}
