// The nprelay-* scenarios: HashiCorp's yamux as the router, driving
// "wine nprelay.exe --mux" (the command after --) against the mingw
// pipe servers that tests/wine/mux.sh starts.  Each scenario names the
// pipes it uses with -pipe, -pipe2 and -busy-pipe.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

var (
	pipeEcho = flag.String("pipe", "", "nprelay: a message-mode echo pipe "+
		"that reports and sends its zero-byte EOF after ours; standin: "+
		"the echo server's socket")
	pipeOther = flag.String("pipe2", "", "nprelay: another pipe (see the scenario)")
	pipeBusy  = flag.String("busy-pipe", "", "nprelay-busy: a pipe held busy for a while")
	readBytes = flag.Int("read-bytes", 0, "nprelay-broken: bytes the pipe sends before it closes")
)

func openArgs(sess *yamux.Session, args ...string) (*yamux.Stream, reply, error) {
	s, err := sess.OpenStream()
	if err != nil {
		return nil, reply{}, err
	}
	if _, err := s.Write(encodeRequest(args...)); err != nil {
		return s, reply{}, err
	}
	rep, err := readReply(s)
	return s, rep, err
}

// readAll reads want bytes.  This yamux (2019) reads EOF whenever its
// own side is closed and nothing is buffered, even before the peer's
// FIN, so EOF is retried until the bytes are there or time is up.
func readAll(s *yamux.Stream, want int, limit time.Duration) ([]byte, error) {
	out := make([]byte, 0, want)
	buf := make([]byte, 64*1024)
	end := time.Now().Add(limit)
	for len(out) < want {
		n, err := s.Read(buf[:min(len(buf), want-len(out))])
		out = append(out, buf[:n]...)
		if err == io.EOF && time.Now().Before(end) {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			return out, fmt.Errorf("after %d of %d bytes: %w", len(out), want, err)
		}
	}
	return out, nil
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// waitStreams waits until the session holds n streams: a stream leaves
// it once FIN went both ways or RST either way.
func waitStreams(sess *yamux.Session, n int, limit time.Duration) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); {
		if sess.NumStreams() == n {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return sess.NumStreams() == n
}

// bulkStream: size random bytes up with -s, then FIN; the echo, the
// server's report and its zero-byte EOF (our FIN) come back.
func bulkStream(c *checks, sess *yamux.Session, pipe string, seed int64, size int) {
	// -p: the servers create one instance after another, so streams
	// opened at once find the pipe busy for a while under load.  -l 0:
	// a server has at most 255 instances, so with 300 streams some wait
	// for others to finish, which under load can take longer than -p's
	// 60 s; the scenario's timeout bounds the wait.
	s, rep, err := openArgs(sess, "-l", "0", "-s", pipe)
	if err != nil || rep.status != 0 {
		c.fail("bulk %d: open %+v, %v", seed, rep, err)
		if s != nil {
			s.Close()
		}
		return
	}
	id := s.StreamID()
	sum := make(chan [32]byte, 1)
	go func() {
		h := sha256.New()
		r := rand.New(rand.NewSource(seed))
		buf := make([]byte, 48*1024)
		for off := 0; off < size; {
			n := min(len(buf), size-off)
			r.Read(buf[:n])
			h.Write(buf[:n])
			if _, err := s.Write(buf[:n]); err != nil {
				c.fail("stream %d: write at %d: %v", id, off, err)
				break
			}
			off += n
		}
		s.Close() // FIN: the relay half-closes the pipe (-s)
		var x [32]byte
		copy(x[:], h.Sum(nil))
		sum <- x
	}()
	report := fmt.Sprintf("received %d bytes\n", size)
	got, err := readAll(s, size+len(report), 120*time.Second)
	if err != nil {
		c.fail("stream %d: %v", id, err)
		return
	}
	if sha256.Sum256(got[:size]) != <-sum {
		c.fail("stream %d: the echo's SHA-256 differs from what was sent", id)
	}
	if string(got[size:]) != report {
		c.fail("stream %d: the server reported %q, want %q", id, got[size:], report)
	}
}

func routerSession(p *peer) *yamux.Session {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return nil
	}
	sess, err := yamux.Client(p.conn, config(false))
	if err != nil {
		p.chk.fail("yamux client: %v", err)
		return nil
	}
	return sess
}

// nprelayBulk: many streams at once, 1 MiB each way, half-close; pings
// and a Go Away (normal) along the way.
func nprelayBulk(p *peer, streams, size int) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			bulkStream(&p.chk, sess, *pipeEcho, int64(1000+i), size)
		}(i)
	}
	for i := 0; i < 3; i++ {
		if _, err := sess.Ping(); err != nil {
			p.chk.fail("ping during the streams: %v", err)
		}
	}
	wg.Wait()
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("%d streams still open: no FIN from the relay", sess.NumStreams())
	}
	// Go Away (normal): the relay goes on; our own streams still work.
	if err := sess.GoAway(); err != nil {
		p.chk.fail("go away: %v", err)
	}
	if _, err := sess.Ping(); err != nil {
		p.chk.fail("ping after Go Away: %v", err)
	}
	fmt.Fprintf(os.Stderr, "nprelay-bulk: %d streams of %d bytes each way\n", streams, size)
}

// nprelayOpenFail: a missing pipe without -p, a bad flag, targets the
// rules refuse.
func nprelayOpenFail(p *peer) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	missing := *pipeOther
	s, rep, err := openArgs(sess, "-ep", "-s", missing)
	want := reply{3, 2, missing + ": cannot open pipe: File not found (error 2)"}
	if err != nil || rep.status != want.status || rep.code != want.code ||
		!strings.HasPrefix(rep.msg, missing+": cannot open pipe: ") ||
		!strings.HasSuffix(rep.msg, " (error 2)") {
		p.chk.fail("missing pipe: reply %+v, %v; want like %+v", rep, err, want)
	} else {
		fmt.Fprintf(os.Stderr, "nprelay-open-fail: reply %d, %d, %q\n", rep.status, rep.code, rep.msg)
	}
	// FIN follows the reply; data sent now is dropped.
	s.Write([]byte("dropped"))
	if rest, err := readAll(s, 1, 10*time.Second); len(rest) != 0 || err == nil {
		p.chk.fail("after the failure reply: %q, %v", rest, err)
	}
	s.Close()
	s2, rep, err := openArgs(sess, "-x", *pipeEcho)
	if err != nil || rep != (reply{2, 0, "unknown flag: -x"}) {
		p.chk.fail("bad flag: reply %+v, %v", rep, err)
	}
	if s2 != nil {
		s2.Close()
	}
	// Targets the rules refuse (docs/nprelay.md, "Targets"): status 2
	// before anything is opened, for a stream as for one relay.  The
	// first is a file every Windows and Wine prefix has.
	for _, args := range [][]string{
		{"-ep", "//./pipe/../C:/windows/win.ini"},
		{"-ep", `\\127.0.0.1\pipe\x`},
		{"-a", `\\127.0.0.1\c$\S.gpg-agent`},
	} {
		target := args[len(args)-1]
		s3, rep, err := openArgs(sess, args...)
		if err != nil || rep.status != 2 || rep.code != 0 ||
			!strings.HasPrefix(rep.msg, "refusing TARGET \""+target+"\": ") {
			p.chk.fail("refused target %q: reply %+v, %v", args, rep, err)
		} else {
			fmt.Fprintf(os.Stderr, "nprelay-open-fail: reply %d, %d, %q\n", rep.status, rep.code, rep.msg)
		}
		if s3 != nil {
			s3.Close()
		}
	}
	// The session goes on: a good stream after the failures.
	bulkStream(&p.chk, sess, *pipeEcho, 7, 1000)
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("%d streams still open", sess.NumStreams())
	}
}

// nprelayBusy: a stream waits for a busy pipe (-p -l 20) while another
// streams; the busy one opens once the pipe is free.
func nprelayBusy(p *peer, size int) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	busyOpen := make(chan string, 1)
	go func() {
		s, rep, err := openArgs(sess, "-p", "-l", "20", "-s", *pipeBusy)
		if err != nil || rep.status != 0 {
			busyOpen <- fmt.Sprintf("busy pipe: reply %+v, %v", rep, err)
			return
		}
		s.Write([]byte("late"))
		s.Close()
		got, err := readAll(s, 4+len("received 4 bytes\n"), 30*time.Second)
		if err != nil || string(got) != "latereceived 4 bytes\n" {
			busyOpen <- fmt.Sprintf("busy pipe: %q, %v", got, err)
			return
		}
		busyOpen <- ""
	}()
	bulkStream(&p.chk, sess, *pipeEcho, 99, size)
	select {
	case msg := <-busyOpen:
		p.chk.fail("the busy pipe's stream ended before the other one (%q)", msg)
		return
	default:
	}
	fmt.Fprintf(os.Stderr, "nprelay-busy: %d bytes each way while the busy stream waited\n", size)
	if msg := <-busyOpen; msg != "" {
		p.chk.fail("%s", msg)
	}
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("%d streams still open", sess.NumStreams())
	}
}

// nprelayCredit: stream A sends and never reads, so its echo fills A's
// window and the pipe; stream B meanwhile moves size bytes each way.
func nprelayCredit(p *peer, size int) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	a, rep, err := openArgs(sess, "-s", *pipeEcho)
	if err != nil || rep.status != 0 {
		p.chk.fail("stream A: %+v, %v", rep, err)
		return
	}
	// More than A can have in flight before its credit stops it: the
	// relay's receive window for A (it grows while the echo server
	// takes A's bytes, up to 4 MiB, MUX_WINDOW_GROWN_MAX), the echo
	// that Go's 256 KiB window for A holds, the relay's read buffer
	// (256 KiB) and the pipe's buffers.
	const stalled = 8 << 20
	payload := bytes.Repeat([]byte("0123456789abcdef"), stalled/16)
	aDone := make(chan error, 1)
	go func() {
		_, err := a.Write(payload)
		a.Close()
		aDone <- err
	}()
	bulkStream(&p.chk, sess, *pipeOther, 5, size)
	select {
	case err := <-aDone:
		p.chk.fail("stream A wrote all %d bytes without reading: no back pressure (%v)", stalled, err)
		return
	default:
	}
	fmt.Fprintf(os.Stderr, "nprelay-credit: %d bytes each way on B while A was stalled\n", size)
	report := fmt.Sprintf("received %d bytes\n", stalled)
	got, err := readAll(a, stalled+len(report), 120*time.Second)
	if err != nil || !bytes.Equal(got[:stalled], payload) || string(got[stalled:]) != report {
		p.chk.fail("stream A after it read: %d bytes, %v", len(got), err)
	}
	if err := <-aDone; err != nil {
		p.chk.fail("stream A write: %v", err)
	}
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("%d streams still open", sess.NumStreams())
	}
}

// nprelayBroken: the server writes and closes.  Without -ep: the data,
// then FIN; the stream stays until our FIN.  With -ep: FIN and RST.
func nprelayBroken(p *peer) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	s, rep, err := openArgs(sess, *pipeEcho)
	if err != nil || rep.status != 0 {
		p.chk.fail("open: %+v, %v", rep, err)
		return
	}
	got, err := readAll(s, *readBytes, 30*time.Second)
	if err != nil {
		p.chk.fail("before the pipe closed: %v", err)
	}
	var one [1]byte
	if n, err := s.Read(one[:]); n != 0 || err != io.EOF {
		p.chk.fail("after the data: %d bytes, %v; want EOF (FIN)", n, err)
	}
	time.Sleep(300 * time.Millisecond)
	if sess.NumStreams() != 1 {
		p.chk.fail("without -ep the stream must wait for our FIN")
	}
	// What we send now is dropped; our FIN closes the stream.
	s.Write([]byte("dropped"))
	s.Close()
	if !waitStreams(sess, 0, 10*time.Second) {
		p.chk.fail("the stream did not close after both FINs")
	}
	fmt.Fprintf(os.Stderr, "nprelay-broken: %d bytes, then FIN\n", len(got))
	s2, rep, err := openArgs(sess, "-ep", *pipeOther)
	if err != nil || rep.status != 0 {
		p.chk.fail("open -ep: %+v, %v", rep, err)
		return
	}
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("-ep: the stream did not end (FIN, RST) without our FIN")
	}
	s2.Close()
}

// nprelayEOF: streams open, then our stdin ends: the relay exits 0.
func nprelayEOF(p *peer, streams int) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	for i := 0; i < streams; i++ {
		s, rep, err := openArgs(sess, "-s", *pipeEcho)
		if err != nil || rep.status != 0 {
			p.chk.fail("open %d: %+v, %v", i, rep, err)
			return
		}
		s.Write([]byte("x"))
	}
	// Closing the connection (main) is the router going away.
}

// nprelayGarbage: bytes that are no frame; Go Away (protocol error).
func nprelayGarbage(p *peer) {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return
	}
	p.conn.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	var h [12]byte
	if _, err := io.ReadFull(p.conn, h[:]); err != nil {
		p.chk.fail("no Go Away: %v", err)
		return
	}
	if h[0] != 0 || h[1] != 3 || binary.BigEndian.Uint32(h[4:]) != 0 ||
		binary.BigEndian.Uint32(h[8:]) != 1 {
		p.chk.fail("want Go Away (protocol error), got % x", h)
	}
	if rest, _ := io.ReadAll(p.conn); len(rest) != 0 {
		p.chk.fail("bytes after Go Away: % x", rest)
	}
}

// nprelayAssuan: three assuan streams at once (-a -s), each through
// the socket file's port and nonce; then a missing socket file.
func nprelayAssuan(p *peer) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, rep, err := openArgs(sess, "-a", "-s", *pipeEcho)
			if err != nil || rep.status != 0 {
				p.chk.fail("assuan %d: open %+v, %v", i, rep, err)
				return
			}
			msg := strings.Repeat("x", 1000*(i+1))
			s.Write([]byte(msg))
			s.Close() // FIN: shutdown(SD_SEND) on the socket
			want := "OK test server\n" + msg + fmt.Sprintf("received %d bytes\n", len(msg))
			got, err := readAll(s, len(want), 30*time.Second)
			if err != nil || string(got) != want {
				p.chk.fail("assuan %d: got %d bytes %q..., %v", i, len(got), got[:min(len(got), 40)], err)
			}
		}(i)
	}
	wg.Wait()
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("%d assuan streams still open: no FIN after the server closed", sess.NumStreams())
	}
	s, rep, err := openArgs(sess, "-a", *pipeOther)
	if err != nil || rep.status != 3 || rep.code != 2 ||
		!strings.Contains(rep.msg, ": cannot open assuan socket file: ") {
		p.chk.fail("missing assuan file: reply %+v, %v", rep, err)
	} else {
		fmt.Fprintf(os.Stderr, "nprelay-assuan: missing file: %d, %d, %q\n", rep.status, rep.code, rep.msg)
	}
	if s != nil {
		s.Close()
	}
}

// nprelayExitFlags: -ei -s sends the zero-byte message, then FIN, and
// closes the pipe: the stream ends without the server's answer; -ei on
// a pipe that never answers ends the stream at our FIN.
func nprelayExitFlags(p *peer) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	s, rep, err := openArgs(sess, "-ei", "-s", *pipeEcho)
	if err != nil || rep.status != 0 {
		p.chk.fail("-ei -s: open %+v, %v", rep, err)
		return
	}
	s.Write([]byte("hello"))
	s.Close()
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("-ei -s: the stream did not end after our FIN")
	}
	// A server that never reads nor answers: only -ei ends the stream.
	s, rep, err = openArgs(sess, "-ei", *pipeOther)
	if err != nil || rep.status != 0 {
		p.chk.fail("-ei: open %+v, %v", rep, err)
		return
	}
	s.Close()
	if !waitStreams(sess, 0, 30*time.Second) {
		p.chk.fail("-ei: the stream did not end after our FIN")
	}
}

// nprelayGoAwayError: the router gives up with Go Away (internal
// error): the relay ends, saying so, with nothing more on stdout.
func nprelayGoAwayError(p *peer) {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return
	}
	p.conn.Write([]byte{0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2})
	if rest, _ := io.ReadAll(p.conn); len(rest) != 0 {
		p.chk.fail("bytes after our Go Away: % x", rest)
	}
}

// rss: the relay's resident and private memory, from /proc.
func rss(pid int) (int, int) {
	var vmrss, priv int
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS:") {
				fmt.Sscanf(strings.TrimPrefix(l, "VmRSS:"), "%d", &vmrss)
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			var kb int
			if strings.HasPrefix(l, "Private_Clean:") {
				fmt.Sscanf(strings.TrimPrefix(l, "Private_Clean:"), "%d", &kb)
				priv += kb
			}
			if strings.HasPrefix(l, "Private_Dirty:") {
				fmt.Sscanf(strings.TrimPrefix(l, "Private_Dirty:"), "%d", &kb)
				priv += kb
			}
		}
	}
	return vmrss, priv
}

// nprelayIdle: memory per idle channel (a measure, not a check).
func nprelayIdle(p *peer, streams int) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	// One stream through first, so code and heap are warm.
	bulkStream(&p.chk, sess, *pipeOther, 1, 1000)
	waitStreams(sess, 0, 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	r0, p0 := rss(p.cmd.Process.Pid)
	var open []*yamux.Stream
	// A pipe has at most 255 instances: -pipe may list several.
	pipes := strings.Split(*pipeEcho, ",")
	for i := 0; i < streams; i++ {
		s, rep, err := openArgs(sess, "-s", pipes[i%len(pipes)])
		if err != nil || rep.status != 0 {
			p.chk.fail("idle %d: %+v, %v", i, rep, err)
			break
		}
		open = append(open, s)
	}
	time.Sleep(500 * time.Millisecond)
	r1, p1 := rss(p.cmd.Process.Pid)
	fmt.Fprintf(os.Stderr, "nprelay-idle: %d idle channels: VmRSS %d -> %d KiB, "+
		"private %d -> %d KiB: %.1f KiB private per channel\n",
		len(open), r0, r1, p0, p1, float64(p1-p0)/float64(max(1, len(open))))
	if r0 == 0 {
		p.chk.fail("no /proc/%d/status: is the relay's pid the wine process?", p.cmd.Process.Pid)
	}
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// playNprelay runs scenario name; the exit status and stderr line the
// relay must end with.
func playNprelay(p *peer, name string, streams, size int) (int, string) {
	switch name {
	case "nprelay-bulk":
		nprelayBulk(p, streams, size)
	case "nprelay-open-fail":
		nprelayOpenFail(p)
	case "nprelay-busy":
		nprelayBusy(p, size)
	case "nprelay-credit":
		nprelayCredit(p, size)
	case "nprelay-broken":
		nprelayBroken(p)
	case "nprelay-eof":
		nprelayEOF(p, streams)
	case "nprelay-garbage":
		nprelayGarbage(p)
		return 1, "nprelay: --mux: protocol violation: "
	case "nprelay-assuan":
		nprelayAssuan(p)
	case "nprelay-exit-flags":
		nprelayExitFlags(p)
	case "nprelay-reset":
		nprelayReset(p, streams)
	case "nprelay-late":
		nprelayLate(p)
	case "nprelay-goaway-error":
		nprelayGoAwayError(p)
		return 1, "nprelay: --mux: the router sent Go Away (code 2)"
	case "nprelay-idle":
		nprelayIdle(p, streams)
	case "nprelay-expose":
		nprelayExpose(p)
	default:
		p.chk.fail("unknown scenario %q", name)
	}
	return 0, ""
}
