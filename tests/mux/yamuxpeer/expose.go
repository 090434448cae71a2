// nprelay-expose: HashiCorp's yamux as the router of exposed pipes
// (issue 13; docs/nprelay.md "Exposed pipes", docs/mux.md),
// driving "wine nprelay.exe --mux".  Commands come one a line on our
// stdin (a FIFO the test holds), so the shell can run Windows clients
// between them; events go to stderr, one line each, for it to wait for:
//
//	expose ARGS...   open an exposure stream with these arguments
//	                 ("--expose //./pipe/x"): "expose N: reply S C MSG"
//	unexpose N       FIN on exposure N; "unexposed N" once it closed
//	                 both ways (the relay's FIN came back)
//	kill             SIGKILL to the relay (the wine process): "killed"
//	quit             end the session (stdin EOF to the relay)
//
// Every stream the relay opens is a Windows client: its id must be even
// and its request exactly one argument, a pipe we exposed; we connect to
// the unix socket -connect and answer like the router (status 3 with a
// Win32 code mapped from errno when the connect fails), then relay both
// ways with half-close: "client ID: connected", "client ID: refused
// CODE", "client ID: done up U down D", or "client ID: reset after down
// D" when the relay reset the stream (the client left with data of ours
// undelivered).
//
//	yamuxpeer -echo-server PATH
//
// is the Linux echo service: each connection gets its bytes back, and
// its EOF after them (shutdown of our write side); one line per
// connection, "echo: N bytes".  With -source-bytes N it reads until EOF
// and then sends N bytes instead ("source: ...").
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/yamux"
)

var (
	exposeConnect = flag.String("connect", "", "nprelay-expose: the unix socket each client reaches")
	echoServer    = flag.String("echo-server", "", "serve as the unix echo service on this path")
	sourceBytes   = flag.Int("source-bytes", 0, "echo-server: instead of the echo, "+
		"read until EOF, then send this many bytes")
)

func say(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
}

// runEchoServer: the Linux service behind the exposed pipe.
func runEchoServer(path string) int {
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		say("echo-server: %v", err)
		return 1
	}
	say("echo-server: ready")
	for {
		c, err := l.Accept()
		if err != nil {
			say("echo-server: accept: %v", err)
			return 1
		}
		go func(c *net.UnixConn) {
			defer c.Close()
			if *sourceBytes > 0 {
				n, _ := io.Copy(io.Discard, c)
				m, err := c.Write(make([]byte, *sourceBytes))
				say("source: %d bytes in, %d out, %v", n, m, err)
				return
			}
			n, err := io.Copy(c, c)
			if err != nil {
				say("echo: %d bytes, %v", n, err)
				return
			}
			c.CloseWrite()
			say("echo: %d bytes", n)
		}(c.(*net.UnixConn))
	}
}

// win32Code maps a connect error as the router does (the protocol, 5).
func win32Code(err error) uint32 {
	switch {
	case errors.Is(err, syscall.ENOENT):
		return 2
	case errors.Is(err, syscall.ECONNREFUSED):
		return 1225
	case errors.Is(err, syscall.EACCES):
		return 5
	}
	return 31
}

type exposer struct {
	p       *peer
	sess    *yamux.Session
	mu      sync.Mutex
	exposed map[string]bool
	streams map[int]*yamux.Stream
	n       int
	clients sync.WaitGroup
}

// client serves one stream the relay opened for a Windows client.
func (x *exposer) client(s *yamux.Stream) {
	defer x.clients.Done()
	id := s.StreamID()
	if id%2 != 0 {
		x.p.chk.fail("the relay opened odd stream %d", id)
	}
	args, err := readRequest(s)
	x.mu.Lock()
	known := len(args) == 1 && x.exposed[args[0]]
	x.mu.Unlock()
	if err != nil || !known {
		x.p.chk.fail("client %d: request %q, %v: want one argument, an exposed pipe", id, args, err)
		s.Close()
		return
	}
	c, err := net.Dial("unix", *exposeConnect)
	if err != nil {
		code := win32Code(err)
		s.Write(encodeReply(3, code, fmt.Sprintf("connect %s: %v", *exposeConnect, errors.Unwrap(err))))
		s.Close()
		say("client %d: refused %d", id, code)
		return
	}
	uc := c.(*net.UnixConn)
	defer uc.Close()
	if _, err := s.Write(encodeReply(0, 0, "")); err != nil {
		x.p.chk.fail("client %d: reply: %v", id, err)
		return
	}
	say("client %d: connected", id)
	up := make(chan int64, 1)
	go func() {
		// The client's zero-byte message is the relay's FIN: EOF here.
		n, _ := io.Copy(uc, s)
		uc.CloseWrite()
		up <- n
	}()
	down, err := io.Copy(s, uc)
	if errors.Is(err, yamux.ErrConnectionReset) {
		// The client left with our data undelivered: the relay's RST.
		<-up
		say("client %d: reset after down %d", id, down)
		return
	}
	if err != nil {
		x.p.chk.fail("client %d: socket to stream: %v", id, err)
	}
	// This yamux reads EOF once its own side is closed: FIN goes last.
	n := <-up
	s.Close()
	say("client %d: done up %d down %d", id, n, down)
}

func (x *exposer) accept() {
	for {
		s, err := x.sess.AcceptStream()
		if err != nil {
			return
		}
		x.clients.Add(1)
		go x.client(s)
	}
}

func (x *exposer) expose(args []string) {
	x.mu.Lock()
	x.n++
	n := x.n
	// Known before the reply: a client may connect as soon as the pipe
	// exists, and its stream may overtake the reply.
	x.exposed[args[len(args)-1]] = true
	x.mu.Unlock()
	s, rep, err := openArgs(x.sess, args...)
	if err != nil {
		x.p.chk.fail("expose %d: %v", n, err)
		return
	}
	x.mu.Lock()
	x.streams[n] = s
	x.mu.Unlock()
	say("expose %d: reply %d %d %s", n, rep.status, rep.code, rep.msg)
	if rep.status != 0 {
		// The relay's FIN follows a failure; ours closes the stream.
		s.Close()
	}
}

// unexpose: our FIN; the stream leaves the session once the relay's
// FIN came back (this yamux shows no stream's state, but NumStreams
// goes down by one; the test has no client open meanwhile).
func (x *exposer) unexpose(n int) {
	x.mu.Lock()
	s := x.streams[n]
	x.mu.Unlock()
	if s == nil {
		x.p.chk.fail("unexpose %d: no such exposure", n)
		return
	}
	open := x.sess.NumStreams()
	s.Close()
	if !waitStreams(x.sess, open-1, 30*time.Second) {
		x.p.chk.fail("unexpose %d: %d streams open, want %d: no FIN from the relay", n, x.sess.NumStreams(), open-1)
		return
	}
	say("unexposed %d", n)
}

func nprelayExpose(p *peer) {
	sess := routerSession(p)
	if sess == nil {
		return
	}
	x := &exposer{p: p, sess: sess, exposed: map[string]bool{}, streams: map[int]*yamux.Stream{}}
	go x.accept()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "expose":
			x.expose(f[1:])
		case "unexpose":
			n, _ := strconv.Atoi(f[len(f)-1])
			x.unexpose(n)
		case "kill":
			p.killed = true
			p.cmd.Process.Kill()
			p.cmd.Wait()
			say("killed")
		case "quit":
			return
		default:
			p.chk.fail("unknown command %q", in.Text())
		}
	}
}
