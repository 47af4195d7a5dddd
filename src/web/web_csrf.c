/* web_csrf.c -- stateless anti-CSRF tokens for our forms. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "web/web_csrf.h"

#define WEB_CSRF_MAC_HEX	32

static int
web_csrf_mac(const uint8_t key[WEB_CSRF_KEY_LEN], const struct addr *client,
    long long t, char hex[WEB_CSRF_MAC_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char msg[32], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	int n;

	n = snprintf((char *)msg, sizeof(msg), "%lld|", t);
	if (n < 0 || (size_t)n + sizeof(client->b) > sizeof(msg))
		return -1;
	memcpy(msg + n, client->b, sizeof(client->b));
	if (HMAC(EVP_sha256(), key, WEB_CSRF_KEY_LEN, msg,
	    (size_t)n + sizeof(client->b), mac, &maclen) == NULL ||
	    maclen < WEB_CSRF_MAC_HEX / 2)
		return -1;
	for (int i = 0; i < WEB_CSRF_MAC_HEX / 2; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 0xf];
	}
	hex[WEB_CSRF_MAC_HEX] = '\0';
	return 0;
}

int
web_csrf_make(const uint8_t key[WEB_CSRF_KEY_LEN], const struct addr *client,
    int64_t now, char *buf, size_t size)
{
	char hex[WEB_CSRF_MAC_HEX + 1];
	int n;

	if (web_csrf_mac(key, client, (long long)now, hex) == -1)
		return -1;
	n = snprintf(buf, size, "%lld.%s", (long long)now, hex);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
web_csrf_check(const uint8_t key[WEB_CSRF_KEY_LEN], const struct addr *client,
    int64_t now, const char *token)
{
	char hex[WEB_CSRF_MAC_HEX + 1];
	const char *dot;
	long long t = 0;
	size_t i;

	if (token == NULL || (dot = strchr(token, '.')) == NULL ||
	    dot == token || dot - token > 12)
		return 0;
	for (i = 0; token + i < dot; i++) {
		if (token[i] < '0' || token[i] > '9')
			return 0;
		t = t * 10 + (token[i] - '0');
	}
	if (t > now || now - t > WEB_CSRF_LIFETIME)
		return 0;
	if (strlen(dot + 1) != WEB_CSRF_MAC_HEX ||
	    web_csrf_mac(key, client, t, hex) == -1)
		return 0;
	/* Constant time: the comparison must not leak how much matched. */
	return CRYPTO_memcmp(hex, dot + 1, WEB_CSRF_MAC_HEX) == 0;
}
