/* rpm_bdb.c - placeholder, replaced below. */
#include "catalog_int.h"

int moat_rpm_parse_bdb(const char *where, const unsigned char *data, size_t len,
                       struct moat_inventory *inv, struct moat_err *err)
{
    return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: Berkeley DB rpm database not supported", where);
}
