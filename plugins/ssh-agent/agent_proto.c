/* Wire helpers of the ssh-agent adapter; see agent_proto.h. */
#include "agent_proto.h"

#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha2.h>

struct agent_name {
	const char *name;
	unsigned type;
};

/*
 * Constrained additions are the same operation with limits attached, and
 * the SSH1 numbers the same operations for older keys: one name each.
 */
static const struct agent_name agent_names[] = {
	{ "request-identities", AGENTC_REQUEST_IDENTITIES },
	{ "request-identities", AGENTC1_REQUEST_RSA_IDENTITIES },
	{ "sign", AGENTC_SIGN_REQUEST },
	{ "sign", AGENTC1_RSA_CHALLENGE },
	{ "add-identity", AGENTC_ADD_IDENTITY },
	{ "add-identity", AGENTC_ADD_ID_CONSTRAINED },
	{ "add-identity", AGENTC1_ADD_RSA_IDENTITY },
	{ "add-identity", AGENTC1_ADD_RSA_ID_CONSTRAINED },
	{ "remove-identity", AGENTC_REMOVE_IDENTITY },
	{ "remove-identity", AGENTC1_REMOVE_RSA_IDENTITY },
	{ "remove-all-identities", AGENTC_REMOVE_ALL_IDENTITIES },
	{ "remove-all-identities", AGENTC1_REMOVE_ALL_RSA_IDENTITIES },
	{ "add-smartcard-key", AGENTC_ADD_SMARTCARD_KEY },
	{ "add-smartcard-key", AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED },
	{ "remove-smartcard-key", AGENTC_REMOVE_SMARTCARD_KEY },
	{ "lock", AGENTC_LOCK },
	{ "unlock", AGENTC_UNLOCK },
	{ "extension", AGENTC_EXTENSION },
};

#define AGENT_NNAMES (sizeof agent_names / sizeof agent_names[0])

const char *
agent_request_name(unsigned type)
{
	size_t i;

	for (i = 0; i < AGENT_NNAMES; i++) {
		if (agent_names[i].type == type)
			return agent_names[i].name;
	}
	return NULL;
}

int
agent_request_types(const char *name, unsigned char types[256])
{
	size_t i;
	int found = 0;

	for (i = 0; i < AGENT_NNAMES; i++) {
		if (strcmp(agent_names[i].name, name) == 0) {
			types[agent_names[i].type] = 1;
			found = 1;
		}
	}
	return found ? 0 : -1;
}

const char *
agent_request_names(void)
{
	return "request-identities, sign, add-identity, remove-identity, "
	    "remove-all-identities, add-smartcard-key, remove-smartcard-key, "
	    "lock, unlock, extension";
}

uint32_t
agent_get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int
agent_get_string(const unsigned char *buf, size_t len, size_t *off,
    const unsigned char **p, size_t *plen)
{
	uint32_t n;

	if (*off > len || len - *off < 4)
		return -1;
	n = agent_get_u32(buf + *off);
	if (n > len - *off - 4)
		return -1;
	*p = buf + *off + 4;
	*plen = n;
	*off += 4 + (size_t)n;
	return 0;
}

void
agent_fingerprint(const unsigned char *blob, size_t len,
    char fp[AGENT_FP_LEN])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	char b64[BASE64_ENCODE_RAW_LENGTH(SHA256_DIGEST_SIZE) + 1];
	size_t n;

	sha256_init(&ctx);
	sha256_update(&ctx, len, blob);
	sha256_digest(&ctx, sizeof digest, digest);
	base64_encode_raw(b64, sizeof digest, digest);
	n = BASE64_ENCODE_RAW_LENGTH(SHA256_DIGEST_SIZE);
	/* ssh-keygen -l leaves the padding out. */
	while (n > 0 && b64[n - 1] == '=')
		n--;
	b64[n] = '\0';
	memcpy(fp, "SHA256:", 7);
	memcpy(fp + 7, b64, n + 1);
}

void
agent_printable(const unsigned char *p, size_t len, char *out,
    size_t outlen)
{
	size_t i, n = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && n + 1 < outlen; i++)
		out[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[n] = '\0';
}
