// yamuxpeer is the other side of tests/mux/mux-peer: HashiCorp's yamux
// (Debian's golang-github-hashicorp-yamux-dev) plus the hello and the open
// request and reply written from docs/mux.md alone, so that the C codec is
// judged by an implementation that shares no code with it.
//
//	yamuxpeer -scenario NAME [-streams N] [-bytes N] -- MUX_PEER ARGS...
//
// It starts MUX_PEER with its stdin and stdout on pipes and plays:
//
//	router     the router (yamux client) against "mux-peer relay N"
//	relay      the relay (yamux server, writes the hello) against
//	           "mux-peer router N BYTES"
//	standin    the router against the stand-in relay (tests/tools'
//	           nptest-muxrelay --mux), streams to the unix echo server
//	           -pipe, a failed open of -missing
//	violation-KIND  the router, which breaks the protocol once the
//	           session works; mux-peer must answer Go Away (protocol
//	           error) and exit with status 3, naming the fault
//	nprelay-NAME  the router against "wine nprelay.exe --mux" and the
//	           Wine pipe servers of tests/wine/mux.sh (nprelay.go)
//	nprelay-expose  the router of exposed pipes, commands on stdin
//	           (expose.go, tests/wine/expose.sh)
//
//	yamuxpeer -echo-server PATH
//
// is the unix echo service behind an exposed pipe (expose.go).
//
//	yamuxpeer --mux
//
// is instead the relay side for the real router, on stdin and stdout
// (relay_for_router.go, tests/integration/mux_go_relay.sh).
//
// Exit status 0 when every check held; otherwise each failure is printed.
package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

const hello = "nprelay-mux 1\n"

const missingMessage = "//./pipe/missing: cannot open pipe: The system " +
	"cannot find the file specified (error 2)"

// pattern is the byte k of the stream with the given seed, as in
// mux_peer_stream.c.
func pattern(seed, k uint64) byte {
	return byte(k*31 + (k >> 11) + seed*101)
}

func encodeRequest(args ...string) []byte {
	body := []byte{byte(len(args) >> 8), byte(len(args))}
	for _, a := range args {
		body = append(body, byte(len(a)>>8), byte(len(a)))
		body = append(body, a...)
	}
	out := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(out, uint32(len(body)))
	return append(out, body...)
}

func readRequest(r io.Reader) ([]string, error) {
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, fmt.Errorf("open request length: %w", err)
	}
	if n < 4 || n > 16380 {
		return nil, fmt.Errorf("open request of 4 + %d bytes", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("open request body: %w", err)
	}
	argc := int(binary.BigEndian.Uint16(body))
	body = body[2:]
	var args []string
	for i := 0; i < argc; i++ {
		if len(body) < 2 {
			return nil, fmt.Errorf("open request ends in argument %d", i+1)
		}
		l := int(binary.BigEndian.Uint16(body))
		if len(body) < 2+l {
			return nil, fmt.Errorf("open request argument %d overruns", i+1)
		}
		args = append(args, string(body[2:2+l]))
		body = body[2+l:]
	}
	if len(body) != 0 || argc == 0 {
		return nil, fmt.Errorf("open request: %d arguments, %d bytes left", argc, len(body))
	}
	return args, nil
}

func encodeReply(status byte, code uint32, msg string) []byte {
	out := make([]byte, 9, 9+len(msg))
	binary.BigEndian.PutUint32(out, uint32(5+len(msg)))
	out[4] = status
	binary.BigEndian.PutUint32(out[5:], code)
	return append(out, msg...)
}

type reply struct {
	status byte
	code   uint32
	msg    string
}

func readReply(r io.Reader) (reply, error) {
	var head [9]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return reply{}, fmt.Errorf("open reply: %w", err)
	}
	n := binary.BigEndian.Uint32(head[:4])
	if n < 5 || n > 1029 {
		return reply{}, fmt.Errorf("open reply of 4 + %d bytes", n)
	}
	msg := make([]byte, n-5)
	if _, err := io.ReadFull(r, msg); err != nil {
		return reply{}, fmt.Errorf("open reply message: %w", err)
	}
	return reply{head[4], binary.BigEndian.Uint32(head[5:]), string(msg)}, nil
}

// pipeConn is the child's stdout (read) and stdin (write) as one
// connection; Close ends our side of both.
type pipeConn struct {
	r io.ReadCloser
	w io.WriteCloser
}

func (c *pipeConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *pipeConn) Write(b []byte) (int, error) { return c.w.Write(b) }
func (c *pipeConn) Close() error {
	c.w.Close()
	return c.r.Close()
}

// checks collects failures from every goroutine.
type checks struct {
	mu   sync.Mutex
	errs []string
}

func (c *checks) fail(format string, a ...interface{}) {
	c.mu.Lock()
	c.errs = append(c.errs, fmt.Sprintf(format, a...))
	c.mu.Unlock()
}

type peer struct {
	cmd    *exec.Cmd
	conn   *pipeConn
	stderr bytes.Buffer
	chk    checks
	killed bool // on purpose: no exit status to check
}

func start(argv []string) (*peer, error) {
	p := &peer{cmd: exec.Command(argv[0], argv[1:]...)}
	// Both to our stderr (the test log) and kept, to check messages.
	p.cmd.Stderr = io.MultiWriter(os.Stderr, &p.stderr)
	w, err := p.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	r, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.conn = &pipeConn{r, w}
	return p, p.cmd.Start()
}

func (p *peer) exitStatus() int {
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func config(keepalive bool) *yamux.Config {
	cfg := yamux.DefaultConfig()
	cfg.EnableKeepAlive = keepalive
	cfg.KeepAliveInterval = 20 * time.Millisecond
	cfg.LogOutput = os.Stderr
	// A send that waits past ConnectionWriteTimeout (10 s by default,
	// easily reached with 300 streams queued behind one pipe on a loaded
	// machine) returns while its header stays queued, and this yamux
	// reuses a stream's header buffer for the next frame: a queued window
	// update turns into a second FIN on the wire (the relay then rightly
	// sends Go Away, "second FIN").  The scenarios' own timeouts bound the
	// wait instead.
	cfg.ConnectionWriteTimeout = 10 * time.Minute
	return cfg
}

func readHello(p *peer) error {
	var b [len(hello)]byte
	if _, err := io.ReadFull(p.conn, b[:]); err != nil {
		return fmt.Errorf("reading the hello: %w", err)
	}
	if string(b[:]) != hello {
		return fmt.Errorf("hello is %q, want %q", b[:], hello)
	}
	return nil
}

// echoStream answers an accepted stream: a success reply, then every
// byte back until the opener's FIN, then our FIN.
func echoStream(c *checks, s *yamux.Stream) {
	defer s.Close()
	if _, err := s.Write(encodeReply(0, 0, "")); err != nil {
		c.fail("stream %d: reply: %v", s.StreamID(), err)
		return
	}
	if _, err := io.Copy(s, s); err != nil {
		c.fail("stream %d: echo: %v", s.StreamID(), err)
	}
}

// patternStream opens a stream, sends size pattern bytes while reading
// the echo back, and checks every byte.
func patternStream(c *checks, sess *yamux.Session, seed uint64, size int, args ...string) {
	if len(args) == 0 {
		args = []string{"-ep", "-s", "//./pipe/echo"}
	}
	s, err := sess.OpenStream()
	if err != nil {
		c.fail("open: %v", err)
		return
	}
	defer s.Close()
	id := s.StreamID()
	if _, err := s.Write(encodeRequest(args...)); err != nil {
		c.fail("stream %d: request: %v", id, err)
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 40000)
		for off := 0; off < size; {
			n := size - off
			if n > len(buf) {
				n = len(buf)
			}
			for i := 0; i < n; i++ {
				buf[i] = pattern(seed, uint64(off+i))
			}
			if _, err := s.Write(buf[:n]); err != nil {
				c.fail("stream %d: write at %d: %v", id, off, err)
				return
			}
			off += n
		}
	}()
	rep, err := readReply(s)
	if err != nil || rep.status != 0 {
		c.fail("stream %d: reply %+v, %v", id, rep, err)
		return
	}
	got := make([]byte, size)
	if _, err := io.ReadFull(s, got); err != nil {
		c.fail("stream %d: echo: %v", id, err)
		return
	}
	for k := range got {
		if got[k] != pattern(seed, uint64(k)) {
			c.fail("stream %d: echo byte %d is %#x, want %#x", id, k,
				got[k], pattern(seed, uint64(k)))
			return
		}
	}
	<-done
	// This yamux (2019) reads EOF as soon as its own side is closed, so
	// the FIN goes last; mux-peer counts the stream only once both FINs
	// are through.
}

// playRouter: we are the router, mux-peer the relay.
func playRouter(p *peer, streams, size int) {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return
	}
	sess, err := yamux.Client(p.conn, config(true))
	if err != nil {
		p.chk.fail("yamux client: %v", err)
		return
	}
	var wg sync.WaitGroup
	// The relay opens a stream of its own (an exposed pipe's client).
	wg.Add(1)
	go func() {
		defer wg.Done()
		s, err := sess.AcceptStream()
		if err != nil {
			p.chk.fail("accept: %v", err)
			return
		}
		if s.StreamID()%2 != 0 {
			p.chk.fail("the relay opened odd stream %d", s.StreamID())
		}
		args, err := readRequest(s)
		if err != nil || strings.Join(args, " ") != "-ep -s //./pipe/exposed" {
			p.chk.fail("relay's open request %q, %v", args, err)
			s.Close()
			return
		}
		echoStream(&p.chk, s)
	}()
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			patternStream(&p.chk, sess, uint64(100+i), size+777*i)
		}(i)
	}
	// An open that fails: the reply carries status, code and message.
	wg.Add(1)
	go func() {
		defer wg.Done()
		s, err := sess.OpenStream()
		if err != nil {
			p.chk.fail("open: %v", err)
			return
		}
		defer s.Close()
		s.Write(encodeRequest("-p", "//./pipe/missing"))
		rep, err := readReply(s)
		if err != nil || rep != (reply{3, 2, missingMessage}) {
			p.chk.fail("open failure reply %+v, %v", rep, err)
			return
		}
		if rest, err := io.ReadAll(s); err != nil || len(rest) != 0 {
			p.chk.fail("after the failure reply: %q, %v", rest, err)
		}
	}()
	wg.Wait()
	if _, err := sess.Ping(); err != nil {
		p.chk.fail("ping: %v", err)
	}
	if err := sess.GoAway(); err != nil {
		p.chk.fail("go away: %v", err)
	}
	sess.Close()
}

// playStandin: we are the router, the stand-in relay (tests/tools'
// nptest-muxrelay) serves streams to the unix echo server at pipe and
// fails the open of the missing socket.
func playStandin(p *peer, streams, size int, pipe, missing string) {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return
	}
	sess, err := yamux.Client(p.conn, config(true))
	if err != nil {
		p.chk.fail("yamux client: %v", err)
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			patternStream(&p.chk, sess, uint64(200+i), size+999*i, "-s", pipe)
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		s, err := sess.OpenStream()
		if err != nil {
			p.chk.fail("open: %v", err)
			return
		}
		defer s.Close()
		s.Write(encodeRequest("-ep", missing))
		want := reply{3, 2, missing + ": cannot open pipe: The system " +
			"cannot find the file specified (error 2)"}
		rep, err := readReply(s)
		if err != nil || rep != want {
			p.chk.fail("open failure reply %+v, %v; want %+v", rep, err, want)
		}
	}()
	wg.Wait()
	if _, err := sess.Ping(); err != nil {
		p.chk.fail("ping: %v", err)
	}
	sess.Close()
}

// playRelay: we are the relay, mux-peer the router.
func playRelay(p *peer, streams int) {
	if _, err := p.conn.Write([]byte(hello)); err != nil {
		p.chk.fail("writing the hello: %v", err)
		return
	}
	sess, err := yamux.Server(p.conn, config(true))
	if err != nil {
		p.chk.fail("yamux server: %v", err)
		return
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for {
		s, err := sess.AcceptStream()
		if err != nil {
			break // mux-peer closed its stdout: the end
		}
		wg.Add(1)
		go func(s *yamux.Stream) {
			defer wg.Done()
			if s.StreamID()%2 != 1 {
				p.chk.fail("the router opened even stream %d", s.StreamID())
			}
			args, err := readRequest(s)
			if err != nil || len(args) != 3 || args[0] != "-ep" || args[1] != "-s" {
				p.chk.fail("stream %d: request %q, %v", s.StreamID(), args, err)
				s.Close()
				return
			}
			mu.Lock()
			seen[args[2]]++
			mu.Unlock()
			switch args[2] {
			case "//./pipe/missing":
				s.Write(encodeReply(3, 2, missingMessage))
				s.Close()
			case "//./pipe/sync":
				syncStream(p, sess, s)
			default:
				echoStream(&p.chk, s)
			}
		}(s)
	}
	wg.Wait()
	sess.Close()
	if seen["//./pipe/echo"] != streams || seen["//./pipe/missing"] != 1 ||
		seen["//./pipe/sync"] != 1 {
		p.chk.fail("streams opened by the router: %v", seen)
	}
}

// syncStream: once the router says it sent Go Away, this yamux must
// refuse to open streams; answer "ok" if so, then send our own Go Away.
func syncStream(p *peer, sess *yamux.Session, s *yamux.Stream) {
	s.Write(encodeReply(0, 0, ""))
	want := "goaway-sent\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s, got); err != nil || string(got) != want {
		p.chk.fail("sync stream: %q, %v", got, err)
		s.Close()
		return
	}
	answer := "ok\n"
	if extra, err := sess.OpenStream(); err != yamux.ErrRemoteGoAway {
		answer = fmt.Sprintf("OpenStream after Go Away: %v, %v\n", extra, err)
	}
	s.Write([]byte(answer))
	io.Copy(io.Discard, s)
	s.Close()
	// mux-peer ends as soon as our Go Away arrives, and this yamux may
	// see that EOF before GoAway returns; whether the frame arrived is
	// mux-peer's exit status (it fails at an EOF without it).
	if err := sess.GoAway(); err != nil && err != yamux.ErrSessionShutdown {
		p.chk.fail("go away: %v", err)
	}
}

// playViolation: a working session, then one bad frame from us.
func playViolation(p *peer, kind string) (wantMsg string) {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return ""
	}
	sess, err := yamux.Client(p.conn, config(false))
	if err != nil {
		p.chk.fail("yamux client: %v", err)
		return ""
	}
	// The relay opens its exposed stream: leave it be.
	s, err := sess.OpenStream()
	if err != nil {
		p.chk.fail("open: %v", err)
		return ""
	}
	s.Write(encodeRequest("-ep", "-s", "//./pipe/echo"))
	s.Write([]byte("hi"))
	rep, err := readReply(s)
	echo := make([]byte, 2)
	if err == nil {
		_, err = io.ReadFull(s, echo)
	}
	if err != nil || rep.status != 0 || string(echo) != "hi" {
		p.chk.fail("before the violation: %+v %q %v", rep, echo, err)
		return ""
	}
	hdr := func(version, typ byte, flags uint16, id, length uint32) []byte {
		b := make([]byte, 12)
		b[0], b[1] = version, typ
		binary.BigEndian.PutUint16(b[2:], flags)
		binary.BigEndian.PutUint32(b[4:], id)
		binary.BigEndian.PutUint32(b[8:], length)
		return b
	}
	// Nothing else is being sent now (no keepalive, the stream idle),
	// so a raw frame on the pipe goes out whole, between yamux's frames.
	var bad []byte
	switch kind {
	case "version":
		bad, wantMsg = hdr(1, 0, 0, s.StreamID(), 0), "frame version 1, want 0"
	case "window-overflow":
		bad, wantMsg = hdr(0, 1, 0, s.StreamID(), 0xffffffff), "passes 2^32 - 1"
	case "unknown-stream":
		bad, wantMsg = hdr(0, 0, 0, 99, 0), "stream 99: frame for a stream the peer never opened"
	case "beyond-window":
		bad, wantMsg = hdr(0, 0, 0, s.StreamID(), 262144), "left in the window"
	case "bad-open":
		s2, err := sess.OpenStream()
		if err != nil {
			p.chk.fail("open: %v", err)
			return ""
		}
		s2.Write([]byte{0, 0, 0, 0, 0, 1})
		wantMsg = "open request of 4 + 0 bytes"
	default:
		p.chk.fail("unknown violation %q", kind)
		return ""
	}
	if bad != nil {
		if _, err := p.conn.Write(bad); err != nil {
			p.chk.fail("writing the bad frame: %v", err)
		}
	}
	// mux-peer's Go Away (protocol error) ends our session, which then
	// reports that error from AcceptStream, once the exposed stream (its
	// ACK fails now) is out of the accept queue.  Accepting before the
	// end would race that ACK against the Go Away.
	select {
	case <-sess.CloseChan():
	case <-time.After(60 * time.Second):
		p.chk.fail("the session did not end after the violation")
		return wantMsg
	}
	var errs []string
	for i := 0; i < 4; i++ {
		if _, err = sess.AcceptStream(); err != nil {
			errs = append(errs, err.Error())
			if err.Error() == "yamux protocol error" {
				break
			}
		}
	}
	if errs[len(errs)-1] != "yamux protocol error" {
		p.chk.fail("after the violation: %q, want \"yamux protocol error\"", errs)
	}
	sess.Close()
	return wantMsg
}

func main() {
	// The router starts its relay as `relay.path --mux`, with no other
	// argument: then we are that relay (relay_for_router.go).
	if len(os.Args) == 2 && os.Args[1] == "--mux" {
		os.Exit(relayForRouter())
	}
	scenario := flag.String("scenario", "", "router, relay or violation-KIND")
	streams := flag.Int("streams", 6, "pattern streams")
	size := flag.Int("bytes", 700*1024, "bytes per pattern stream")
	missing := flag.String("missing", "", "standin: a socket that does not exist")
	flag.Parse()
	if *echoServer != "" {
		os.Exit(runEchoServer(*echoServer))
	}
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: yamuxpeer -scenario NAME -- MUX_PEER ARGS...")
		os.Exit(2)
	}
	p, err := start(flag.Args())
	if err != nil {
		fmt.Fprintf(os.Stderr, "yamuxpeer: FAIL: starting %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	wantStatus, wantMsg := 0, ""
	switch {
	case *scenario == "router":
		playRouter(p, *streams, *size)
	case *scenario == "standin":
		playStandin(p, *streams, *size, *pipeEcho, *missing)
	case *scenario == "relay":
		playRelay(p, *streams)
	case strings.HasPrefix(*scenario, "nprelay-"):
		wantStatus, wantMsg = playNprelay(p, *scenario, *streams, *size)
	case strings.HasPrefix(*scenario, "violation-"):
		wantStatus = 3
		wantMsg = playViolation(p, strings.TrimPrefix(*scenario, "violation-"))
	default:
		p.chk.fail("unknown scenario %q", *scenario)
	}
	p.conn.Close()
	if p.killed {
		// exitStatus would wait a second time.
	} else if st := p.exitStatus(); st != wantStatus {
		p.chk.fail("mux-peer exited with status %d, want %d", st, wantStatus)
	}
	if wantMsg != "" && !strings.Contains(p.stderr.String(), wantMsg) {
		p.chk.fail("mux-peer did not say %q", wantMsg)
	}
	if len(p.chk.errs) > 0 {
		for _, e := range p.chk.errs {
			fmt.Fprintf(os.Stderr, "yamuxpeer %s: FAIL: %s\n", *scenario, e)
		}
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "yamuxpeer %s: ok\n", *scenario)
}
