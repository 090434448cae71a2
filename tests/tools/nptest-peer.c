/*
 * nptest-peer: the other end of npiperouter's integration tests and
 * benchmark. Servers stand in for the backend behind the relay child; the
 * client stands in for docker/ssh/gpg. Plain POSIX C so it can never share
 * a bug with the libevent code under test.
 */
#include "peer.h"

#include <string.h>

void
peer_usage(FILE *f)
{
	fputs(
"usage: nptest-peer MODE SOCKET [options]      (a server)\n"
"       nptest-peer client SOCKET [options]\n"
"       nptest-peer --help\n"
"\n"
"Servers listen on the unix socket SOCKET, serve every connection at once\n"
"(one poll loop) and run until SIGTERM or SIGINT, which removes SOCKET.\n"
"SOCKET appears only once the server is listening, so a test may wait for\n"
"the file to exist. Server modes:\n"
"  echo         send back everything read; on EOF finish sending, shut\n"
"               down the write side and close\n"
"  drain-reply  read until EOF, only THEN send it all back and close (the\n"
"               reply proves that the client's half-close arrived)\n"
"  greet-close  send the greeting and close at once, never reading\n"
"  greet-shut   send the greeting, shut down the write side, then read\n"
"               until EOF and close (the peer may still send after our EOF)\n"
"  sink         count bytes until EOF, then send the count as a decimal\n"
"               line and close\n"
"  source       send --bytes N (or the --file), shut down the write side,\n"
"               read and discard until EOF and close\n"
"Server options:\n"
"  --pidfile FILE    write our pid to FILE before SOCKET appears\n"
"  --log FILE        append one line per event: \"accept ID\", \"eof ID BYTES\",\n"
"                    \"reset ID\", \"close ID\"\n"
"  --save-dir DIR    store what connection ID received in DIR/conn-ID.bin;\n"
"                    the file appears complete, once EOF was read\n"
"  --delay SEC       drain-reply, sink: wait SEC after EOF before replying\n"
"  --greeting TEXT   greet-*: what to send (default \"hello from nptest-peer\\n\")\n"
"  --bytes N         source: how much to send (suffix K, M or G)\n"
"  --file FILE       source: send the contents of FILE instead\n"
"\n"
"The client connects to SOCKET, sends while it reads, and by default\n"
"shuts down its write side once everything is sent and keeps reading\n"
"until EOF. Client options:\n"
"  --send FILE          send the contents of FILE (\"-\": standard input)\n"
"  --send-random N      send N pseudo-random bytes (suffix K, M or G)\n"
"  --send-bytes N       send N constant bytes (cheapest: for benchmarks)\n"
"  --seed N             seed of --send-random (default: from the pid/time)\n"
"  --send-copy FILE     write the bytes actually sent to FILE\n"
"  --rate N             send at most N bytes per second\n"
"  --out FILE           write everything received to FILE, as it arrives\n"
"  --no-shutdown        never shut down the write side: the peer must end\n"
"                       the stream (a test that the server closes first)\n"
"  --hold-until FILE    once everything is sent, wait until FILE exists\n"
"                       before shutting down the write side\n"
"  --send-after-eof     read until EOF first, only then send and shut down\n"
"  --pause-after N      after N bytes received stop reading for --pause SEC\n"
"  --pause SEC          (default 1)\n"
"  --stop-on-eof        stop sending when EOF arrives\n"
"  --allow-reset        a reset connection ends the stream like EOF\n"
"                       (reading) or ends sending (writing) instead of\n"
"                       failing\n"
"  --expect-bytes N     fail unless exactly N bytes were received\n"
"  --timeout SEC        give up after SEC seconds, saying what was pending\n"
"  --stats              print \"sent=N received=N seconds=S\" on stdout\n"
"\n"
"Exit status: 0 success, 1 failure (I/O error, reset, expectation not met),\n"
"2 usage or setup error, 3 timeout.\n", f);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		peer_usage(stderr);
		return PEER_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		peer_usage(stdout);
		return PEER_EXIT_OK;
	}
	if (peer_ignore_sigpipe() == -1)
		peer_exit(PEER_EXIT_USAGE, argv[1], "cannot ignore SIGPIPE");
	if (strcmp(argv[1], "client") == 0)
		return peer_client_main(argc - 1, argv + 1);
	return peer_server_main(argc - 1, argv + 1);
}
