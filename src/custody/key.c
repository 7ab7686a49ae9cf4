/*
 * key.c - signing keys: ECDSA P-256 (cosign's default) and Ed25519.
 *
 * Private keys live on disk only as PKCS#8 EncryptedPrivateKeyInfo PEM,
 * PBES2 with scrypt (N=2^14, r=8, p=1: OpenSSL's own `pkcs8 -scrypt`
 * default and the most its decoder accepts without raising its memory cap)
 * and AES-256-CBC, so `openssl pkey -passin` reads them. Plain keys are
 * refused on load. The key id is the sha256 of the DER SubjectPublicKeyInfo.
 *
 * Must not: put key bytes or passphrases into an error message, leave the
 * decrypted PKCS#8 structure unwiped, or load a private key others can read.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "moat/base/file.h"
#include "moat/custody/custody.h"
#include "custody_int.h"

#define KEY_FILE_MAX (64u << 10)
#define KEY_PASS_MAX 4096u
#define SCRYPT_N 16384u
#define SCRYPT_R 8u
#define SCRYPT_P 1u

struct moat_key {
    EVP_PKEY *pkey;
    enum moat_key_alg alg;
    char id[65];
};

/* The algorithm of pkey, or 0 when moat does not sign with it. */
static enum moat_key_alg pkey_alg(EVP_PKEY *pkey)
{
    char group[64];
    size_t glen = 0;

    if (EVP_PKEY_is_a(pkey, "ED25519"))
        return MOAT_KEY_ED25519;
    if (!EVP_PKEY_is_a(pkey, "EC"))
        return 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &glen) != 1)
        return 0;
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
        return MOAT_KEY_ECDSA_P256;
    return 0;
}

/* Wrap pkey (taken) into a key with its id. */
static int key_wrap(EVP_PKEY *pkey, const char *where, struct moat_key **out, struct moat_err *err)
{
    struct moat_key *k;
    unsigned char *der = NULL, md[32];
    unsigned int mdlen = 0;
    int dlen;

    *out = NULL;
    k = calloc(1, sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
    }
    k->pkey = pkey;
    k->alg = pkey_alg(pkey);
    if (k->alg == 0) {
        moat_key_free(k);
        return moat_err_set(err, MOAT_E_UNSUPPORTED,
                            "%s: unsupported key type (want ECDSA P-256 or Ed25519)", where);
    }
    dlen = i2d_PUBKEY(pkey, &der);
    if (dlen <= 0 || EVP_Digest(der, (size_t)dlen, md, &mdlen, EVP_sha256(), NULL) != 1) {
        OPENSSL_free(der);
        moat_key_free(k);
        ERR_clear_error();
        return moat_err_set(err, MOAT_E_FORMAT, "%s: cannot encode the public key", where);
    }
    OPENSSL_free(der);
    custody_hex(md, 32, k->id);
    *out = k;
    return 0;
}

int moat_key_generate(enum moat_key_alg alg, struct moat_key **out, struct moat_err *err)
{
    EVP_PKEY *pkey = NULL;

    *out = NULL;
    if (alg == MOAT_KEY_ECDSA_P256)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (alg == MOAT_KEY_ED25519)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else
        return moat_err_set(err, MOAT_E_ARG, "unknown key algorithm %d", (int)alg);
    if (pkey == NULL) {
        ERR_clear_error();
        return moat_err_set(err, MOAT_E_NOMEM, "key generation failed");
    }
    return key_wrap(pkey, "new key", out, err);
}

/* The contents of a memory BIO as a string; *len bytes. NULL when out of memory. */
static char *bio_take(BIO *b, size_t *len)
{
    char *p = NULL, *s;
    long n = BIO_get_mem_data(b, &p);

    if (n < 0 || p == NULL)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    *len = (size_t)n;
    return s;
}

int moat_key_write_private(const struct moat_key *k, const char *path, const char *pass,
                           size_t pass_len, struct moat_err *err)
{
    PKCS8_PRIV_KEY_INFO *p8inf = NULL;
    X509_ALGOR *pbe = NULL;
    X509_SIG *p8 = NULL;
    BIO *mem = NULL;
    char *pem = NULL;
    size_t pem_len = 0;
    int r;

    if (pass == NULL || pass_len == 0)
        return moat_err_set(err, MOAT_E_ARG, "%s: refusing an empty passphrase", path);
    if (pass_len > KEY_PASS_MAX)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: passphrase longer than %u bytes", path,
                            KEY_PASS_MAX);
    p8inf = EVP_PKEY2PKCS8(k->pkey);
    if (p8inf == NULL) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: cannot encode the private key", path);
        goto out;
    }
    pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), NULL, 0, NULL, SCRYPT_N, SCRYPT_R, SCRYPT_P);
    if (pbe == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: cannot set up scrypt encryption", path);
        goto out;
    }
    p8 = PKCS8_set0_pbe(pass, (int)pass_len, p8inf, pbe);
    if (p8 == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: cannot encrypt the private key", path);
        goto out;
    }
    pbe = NULL; /* owned by p8 now */
    mem = BIO_new(BIO_s_mem());
    if (mem == NULL || PEM_write_bio_PKCS8(mem, p8) != 1 ||
        (pem = bio_take(mem, &pem_len)) == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: cannot encode the private key", path);
        goto out;
    }
    r = moat_file_write_atomic(path, pem, pem_len, 0600, MOAT_FILE_EXCL, err);
out:
    ERR_clear_error();
    free(pem);
    BIO_free(mem);
    X509_SIG_free(p8);
    X509_ALGOR_free(pbe);
    PKCS8_PRIV_KEY_INFO_free(p8inf); /* wipes the plain key bytes */
    return r;
}

int moat_key_write_public(const struct moat_key *k, const char *path, struct moat_err *err)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *pem = NULL;
    size_t pem_len = 0;
    int r;

    if (mem == NULL || PEM_write_bio_PUBKEY(mem, k->pkey) != 1 ||
        (pem = bio_take(mem, &pem_len)) == NULL) {
        BIO_free(mem);
        ERR_clear_error();
        return moat_err_set(err, MOAT_E_NOMEM, "%s: cannot encode the public key", path);
    }
    BIO_free(mem);
    r = moat_file_write_atomic(path, pem, pem_len, 0644, MOAT_FILE_EXCL, err);
    free(pem);
    return r;
}

/* OpenSSL's default password callback prompts on the terminal; moat asks for
 * passphrases itself, so a key that unexpectedly needs one is an error. */
static int no_prompt(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

int moat_key_load_private(const char *path, const char *pass, size_t pass_len,
                          struct moat_key **out, struct moat_err *err)
{
    PKCS8_PRIV_KEY_INFO *p8inf = NULL;
    X509_SIG *p8 = NULL;
    EVP_PKEY *pkey = NULL;
    struct stat st;
    BIO *mem = NULL;
    char *pem = NULL;
    size_t pem_len = 0;
    int r;

    *out = NULL;
    if (pass_len > KEY_PASS_MAX)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: passphrase longer than %u bytes", path,
                            KEY_PASS_MAX);
    r = moat_file_read_stat(path, KEY_FILE_MAX, &pem, &pem_len, &st, err);
    if (r < 0)
        return r;
    if ((st.st_mode & 077) != 0) {
        r = moat_err_set(err, MOAT_E_UNSAFE,
                         "%s: private key is accessible by group/other (mode %04o); chmod 600 it",
                         path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    if (pem_len > INT_MAX || (mem = BIO_new_mem_buf(pem, (int)pem_len)) == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
        goto out;
    }
    p8 = PEM_read_bio_PKCS8(mem, NULL, no_prompt, NULL);
    if (p8 == NULL) {
        r = moat_err_set(
            err, MOAT_E_FORMAT,
            "%s: not an encrypted PKCS#8 private key (\"BEGIN ENCRYPTED PRIVATE KEY\")", path);
        goto out;
    }
    p8inf = PKCS8_decrypt(p8, pass != NULL ? pass : "", (int)pass_len);
    if (p8inf == NULL) {
        r = moat_err_set(err, MOAT_E_AUTH, "%s: wrong passphrase", path);
        goto out;
    }
    pkey = EVP_PKCS82PKEY(p8inf);
    if (pkey == NULL) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: the decrypted private key is malformed", path);
        goto out;
    }
    r = key_wrap(pkey, path, out, err);
out:
    ERR_clear_error();
    PKCS8_PRIV_KEY_INFO_free(p8inf);
    X509_SIG_free(p8);
    BIO_free(mem);
    free(pem);
    return r;
}

int moat_key_parse_public(const char *where, const void *pem, size_t len, struct moat_key **out,
                          struct moat_err *err)
{
    EVP_PKEY *pkey = NULL;
    BIO *mem;

    *out = NULL;
    if (len > KEY_FILE_MAX)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: public key larger than %u bytes", where,
                            KEY_FILE_MAX);
    mem = BIO_new_mem_buf(pem, (int)len);
    if (mem != NULL)
        pkey = PEM_read_bio_PUBKEY(mem, NULL, no_prompt, NULL);
    BIO_free(mem);
    ERR_clear_error();
    if (pkey == NULL)
        return moat_err_set(err, MOAT_E_FORMAT,
                            "%s: not a PEM public key (\"BEGIN PUBLIC KEY\", SubjectPublicKeyInfo)",
                            where);
    return key_wrap(pkey, where, out, err);
}

int moat_key_load_public(const char *path, struct moat_key **out, struct moat_err *err)
{
    char *pem = NULL;
    size_t pem_len = 0;
    int r;

    *out = NULL;
    r = moat_file_read(path, KEY_FILE_MAX, &pem, &pem_len, err);
    if (r < 0)
        return r;
    r = moat_key_parse_public(path, pem, pem_len, out, err);
    free(pem);
    return r;
}

enum moat_key_alg moat_key_alg(const struct moat_key *k)
{
    return k->alg;
}

void moat_key_id(const struct moat_key *k, char out[65])
{
    memcpy(out, k->id, 65);
}

/* ECDSA hashes with SHA-256 itself; Ed25519 takes the message whole. */
static const EVP_MD *key_md(const struct moat_key *k)
{
    return k->alg == MOAT_KEY_ECDSA_P256 ? EVP_sha256() : NULL;
}

int moat_key_sign(const struct moat_key *k, const void *msg, size_t len, unsigned char **sig,
                  size_t *sig_len, struct moat_err *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *s = NULL;
    size_t slen = 0;
    int r = 0;

    *sig = NULL;
    *sig_len = 0;
    if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, key_md(k), NULL, k->pkey) != 1 ||
        EVP_DigestSign(ctx, NULL, &slen, msg, len) != 1 || (s = malloc(slen)) == NULL ||
        EVP_DigestSign(ctx, s, &slen, msg, len) != 1) {
        free(s);
        r = moat_err_set(err, MOAT_E_ARG, "signing failed (is this a private key?)");
    } else {
        *sig = s;
        *sig_len = slen;
    }
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return r;
}

int moat_key_verify(const struct moat_key *k, const void *msg, size_t len, const unsigned char *sig,
                    size_t sig_len, struct moat_err *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    if (ctx == NULL) {
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    /* ECDSA: OpenSSL re-encodes the DER it parsed and refuses any other spelling */
    ok = EVP_DigestVerifyInit(ctx, NULL, key_md(k), NULL, k->pkey) == 1 &&
         EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (!ok)
        return moat_err_set(err, MOAT_E_VERIFY, "signature does not verify with key %.16s", k->id);
    return 0;
}

void moat_key_free(struct moat_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey); /* OpenSSL clears private scalars on free */
    free(k);
}
