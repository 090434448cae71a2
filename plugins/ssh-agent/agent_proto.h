/*
 * The SSH agent protocol as the ssh-agent adapter needs it: message
 * numbers (draft-miller-ssh-agent, OpenSSH's PROTOCOL.agent), the names
 * routes use for requests, bounded readers of the wire format and key
 * fingerprints as `ssh-keygen -l` prints them.
 */
#ifndef NPR_AGENT_PROTO_H
#define NPR_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Requests. The SSH1 ones are obsolete, but OpenSSH's agent still takes
 * 9 as "remove all" (ssh-add -D sends it), so policies must cover them.
 */
#define AGENTC1_REQUEST_RSA_IDENTITIES 1
#define AGENTC1_RSA_CHALLENGE 3
#define AGENTC1_ADD_RSA_IDENTITY 7
#define AGENTC1_REMOVE_RSA_IDENTITY 8
#define AGENTC1_REMOVE_ALL_RSA_IDENTITIES 9
#define AGENTC1_ADD_RSA_ID_CONSTRAINED 24
#define AGENTC_REQUEST_IDENTITIES 11
#define AGENTC_SIGN_REQUEST 13
#define AGENTC_ADD_IDENTITY 17
#define AGENTC_REMOVE_IDENTITY 18
#define AGENTC_REMOVE_ALL_IDENTITIES 19
#define AGENTC_ADD_SMARTCARD_KEY 20
#define AGENTC_REMOVE_SMARTCARD_KEY 21
#define AGENTC_LOCK 22
#define AGENTC_UNLOCK 23
#define AGENTC_ADD_ID_CONSTRAINED 25
#define AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED 26
#define AGENTC_EXTENSION 27

/* Answers. */
#define AGENT_FAILURE 5
#define AGENT_SUCCESS 6

/* Signature flags of a sign request. */
#define AGENT_RSA_SHA2_256 0x02
#define AGENT_RSA_SHA2_512 0x04

#define AGENT_SESSION_BIND "session-bind@openssh.com"

/* OpenSSH's own agent refuses longer messages (AGENT_MAX_LEN). */
#define AGENT_MAX_FRAME (256 * 1024)

/* "SHA256:" + 43 characters of unpadded base64 + NUL. */
#define AGENT_FP_LEN 51

/*
 * The route-level name of request TYPE ("sign", "add-identity", ...), or
 * NULL for a type without one.
 */
const char *agent_request_name(unsigned type);

/*
 * Set the 256 entries of TYPES for every request type named NAME
 * (add-identity covers its constrained and SSH1 forms too, and so on).
 * Returns 0, or -1 when
 * NAME is not a request name.
 */
int agent_request_types(const char *name, unsigned char types[256]);

/* "request-identities, sign, ...": every name, for messages. */
const char *agent_request_names(void);

uint32_t agent_get_u32(const unsigned char *p);

/*
 * Read an SSH string at *OFF of BUF[0..LEN): on success *P and *PLEN
 * describe it, *OFF moves past it and 0 is returned; -1 when it does not
 * fit. Never reads outside BUF.
 */
int agent_get_string(const unsigned char *buf, size_t len, size_t *off,
    const unsigned char **p, size_t *plen);

/* Write "SHA256:..." for key BLOB into FP (AGENT_FP_LEN bytes). */
void agent_fingerprint(const unsigned char *blob, size_t len,
    char fp[AGENT_FP_LEN]);

/* Copy an SSH string into OUT as printable text, cut to fit. */
void agent_printable(const unsigned char *p, size_t len, char *out,
    size_t outlen);

#endif
