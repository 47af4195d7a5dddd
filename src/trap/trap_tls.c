/* trap_tls.c -- STARTTLS for the trap; a certificate made on first run. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "trap/trap_tls.h"

/*
 * RSA 2048 rather than an EC key: every TLS client an MTA links can use
 * it. Nobody verifies a trap's certificate (opportunistic STARTTLS,
 * RFC 7435), so a long life saves a renewal nobody would notice.
 */
#define TRAP_TLS_RSA_BITS	2048
#define TRAP_TLS_DAYS		3650
/* A serial of 64 random bits, as RFC 5280 4.1.2.2 allows up to 20 octets. */
#define TRAP_TLS_SERIAL_BITS	64

/* The newest OpenSSL error as text, or fallback. */
static const char *
trap_tls_error(const char *fallback, char *buf, size_t size)
{
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (e == 0)
		return fallback;
	ERR_error_string_n(e, buf, size);
	return buf;
}

int
trap_tls_auto_paths(const char *store_path, char *cert, size_t certlen,
    char *key, size_t keylen)
{
	const char *slash = strrchr(store_path, '/');
	int dirlen = slash == NULL ? 1 : (int)(slash - store_path);
	const char *dir = slash == NULL ? "." : store_path;
	int n;

	/* "/db" lives in "/": keep the slash rather than an empty dir. */
	if (slash == store_path)
		dirlen = 0;
	n = snprintf(cert, certlen, "%.*s/%s", dirlen, dir, TRAP_TLS_CERT_NAME);
	if (n < 0 || (size_t)n >= certlen)
		return -1;
	n = snprintf(key, keylen, "%.*s/%s", dirlen, dir, TRAP_TLS_KEY_NAME);
	if (n < 0 || (size_t)n >= keylen)
		return -1;
	return 0;
}

/* Writes a PEM object to path with mode, by a temporary file and rename. */
static int
trap_tls_write(const char *path, mode_t mode, EVP_PKEY *pkey, X509 *x509,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX], ebuf[256];
	FILE *fp;
	int fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (pkey != NULL)
		ok = PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_X509(fp, x509);
	if (!ok || fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, ok ? strerror(errno) :
		    trap_tls_error("cannot write", ebuf, sizeof(ebuf)));
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	if (fclose(fp) == EOF || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The certificate itself: version 3, self-issued, CN and SAN of cn. */
static X509 *
trap_tls_x509(EVP_PKEY *pkey, const char *cn, char *err, size_t errlen)
{
	X509 *x = NULL;
	X509_NAME *name;
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	BIGNUM *bn = NULL;
	char san[300], ebuf[256];

	if (snprintf(san, sizeof(san), "DNS:%s", cn) >= (int)sizeof(san)) {
		snprintf(err, errlen, "host name too long for a certificate");
		return NULL;
	}
	if ((x = X509_new()) == NULL || (bn = BN_new()) == NULL ||
	    !X509_set_version(x, 2) ||
	    !BN_rand(bn, TRAP_TLS_SERIAL_BITS, BN_RAND_TOP_ANY,
	    BN_RAND_BOTTOM_ANY) ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)TRAP_TLS_DAYS * 86400) == NULL ||
	    !X509_set_pubkey(x, pkey) ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, name))
		goto fail;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    san)) == NULL || !X509_add_ext(x, ext, -1) ||
	    !X509_sign(x, pkey, EVP_sha256()))
		goto fail;
	X509_EXTENSION_free(ext);
	BN_free(bn);
	return x;
fail:
	snprintf(err, errlen, "making a certificate: %s",
	    trap_tls_error("failed", ebuf, sizeof(ebuf)));
	X509_EXTENSION_free(ext);
	BN_free(bn);
	X509_free(x);
	return NULL;
}

int
trap_tls_make_selfsigned(const char *cert, const char *key, const char *cn,
    int *made, char *err, size_t errlen)
{
	struct stat st;
	EVP_PKEY *pkey;
	X509 *x;
	char ebuf[256];
	int have_cert, have_key, rc;

	*made = 0;
	have_cert = stat(cert, &st) == 0;
	have_key = stat(key, &st) == 0;
	if (have_cert && have_key)
		return 0;
	if (have_cert || have_key) {
		snprintf(err, errlen, "%s exists but %s does not: remove it to "
		    "make a new pair, or set trap.tls_cert and trap.tls_key",
		    have_cert ? cert : key, have_cert ? key : cert);
		return -1;
	}
	if ((pkey = EVP_RSA_gen(TRAP_TLS_RSA_BITS)) == NULL) {
		snprintf(err, errlen, "making a key: %s",
		    trap_tls_error("failed", ebuf, sizeof(ebuf)));
		return -1;
	}
	if ((x = trap_tls_x509(pkey, cn, err, errlen)) == NULL) {
		EVP_PKEY_free(pkey);
		return -1;
	}
	/* The key first: a certificate without its key is of no use. */
	rc = trap_tls_write(key, 0600, pkey, NULL, err, errlen);
	if (rc == 0 && (rc = trap_tls_write(cert, 0644, NULL, x, err,
	    errlen)) == -1)
		unlink(key);
	X509_free(x);
	EVP_PKEY_free(pkey);
	if (rc == 0)
		*made = 1;
	return rc;
}

SSL_CTX *
trap_tls_ctx_new(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	char ebuf[256];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "TLS: %s",
		    trap_tls_error("out of memory", ebuf, sizeof(ebuf)));
		return NULL;
	}
	/*
	 * OpenSSL's defaults otherwise (TLS 1.2 and up at security level
	 * 2): a client that cannot agree goes on in the clear, as
	 * opportunistic STARTTLS does, so the trap still sees its mail.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "TLS certificate %s: %s", cert,
		    trap_tls_error("cannot load", ebuf, sizeof(ebuf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "TLS key %s: %s", key,
		    trap_tls_error("does not match the certificate", ebuf,
		    sizeof(ebuf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
