/* trap_tls.h -- STARTTLS for the trap; a certificate made on first run. */
#ifndef BACKSCATTER_TRAP_TLS_H
#define BACKSCATTER_TRAP_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Where the certificate and key go when none is configured. */
#define TRAP_TLS_CERT_NAME	"trap-tls.pem"
#define TRAP_TLS_KEY_NAME	"trap-tls.key"

/*
 * The default certificate and key paths: next to the store, in the
 * directory of store_path. 0, or -1 when a path does not fit.
 */
int	 trap_tls_auto_paths(const char *store_path, char *cert,
	    size_t certlen, char *key, size_t keylen);

/*
 * Makes a self-signed certificate for cn (RSA 2048, SHA-256, ten years,
 * subjectAltName DNS:cn) unless both files exist already; if only one
 * does, that is an error rather than a reason to overwrite it. The key
 * is written with mode 0600, the certificate 0644, each to a temporary
 * name first and renamed, so a crash leaves no half-written file.
 * *made is 1 when they were made now. 0, or -1 with the reason in err.
 */
int	 trap_tls_make_selfsigned(const char *cert, const char *key,
	    const char *cn, int *made, char *err, size_t errlen);

/*
 * A server context for STARTTLS from a PEM certificate chain and its
 * key (the key may sit in the certificate's file). NULL with the reason
 * in err. Release with SSL_CTX_free().
 */
SSL_CTX	*trap_tls_ctx_new(const char *cert, const char *key, char *err,
	    size_t errlen);

#endif
