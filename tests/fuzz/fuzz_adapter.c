/*
 * libFuzzer harness for one adapter plugin (FUZZ_ADAPTER: "ssh-agent" or
 * "assuan") through the router's own seam. The plugin is loaded and
 * configured by config_load() once, as the daemon does, with a few option
 * sets; each input is a conversation on one session:
 *
 *   byte 0        which option set (route)
 *   then records  the conversation (fuzz_session.h says how).
 *
 * The glue is built with NPR_ADAPTER_EXACT_VIEW, so a parser that reads
 * past what it was shown trips AddressSanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_session.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Option sets of both adapters; the harness keeps those of its own. */
static const char *const fuzz_options[] = {
	"{ name = \"ssh-agent\"; }",
	"{ name = \"ssh-agent\"; deny = [ \"add-identity\", \"lock\", "
	    "\"extension\" ]; }",
	"{ name = \"ssh-agent\"; allow = [ \"request-identities\", \"sign\" ]; "
	    "session_bind = \"answer\"; }",
	"{ name = \"assuan\"; }",
	"{ name = \"assuan\"; allow_commands = [ \"GETINFO\", \"PKSIGN\", "
	    "\"NOP\" ]; }",
};
#define FUZZ_NOPTIONS (sizeof fuzz_options / sizeof fuzz_options[0])

static struct config *fuzz_cfg;
static const struct route_conf *fuzz_routes[8];
static size_t fuzz_nroutes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *groups[FUZZ_NOPTIONS];
	char dir[] = "/tmp/npr-fuzz-conf-XXXXXX";
	size_t i;

	log_init(LOG_LEVEL_ERROR);
	if (mkdtemp(dir) == NULL)
		abort();
	for (i = 0; i < FUZZ_NOPTIONS; i++)
		groups[i] = strstr(fuzz_options[i], FUZZ_ADAPTER "\"") ?
		    fuzz_options[i] : NULL;
	fuzz_cfg = fuzz_config_load(dir, groups, FUZZ_NOPTIONS);
	rmdir(dir);
	for (i = 0; i < fuzz_cfg->nroutes; i++)
		fuzz_routes[i] = &fuzz_cfg->routes[i];
	fuzz_nroutes = fuzz_cfg->nroutes;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_session_run(fuzz_routes[data[0] % fuzz_nroutes], data + 1, size - 1);
	return 0;
}
