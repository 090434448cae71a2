package main

// yamuxpeer as the REAL router's mux relay (tests/integration's
// mux_go_relay.sh): started by npiperouter as `relay.path --mux`, it
// speaks docs/mux.md on its stdin and stdout with HashiCorp's yamux as
// the server side, and serves each stream the router opens by connecting
// to the unix socket named by the request's last argument, as the
// stand-in relay of docs/mux.md §12 does. Its other arguments (nprelay's
// flags, -s and the like) are accepted and ignored: the router's FIN
// always becomes shutdown(SHUT_WR) on the socket.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/yamux"
)

// stdioConn is the session: the router's frames arrive on stdin, ours
// leave on stdout.
type stdioConn struct{}

func (stdioConn) Read(b []byte) (int, error)  { return os.Stdin.Read(b) }
func (stdioConn) Write(b []byte) (int, error) { return os.Stdout.Write(b) }
func (stdioConn) Close() error {
	os.Stdout.Close()
	return os.Stdin.Close()
}

// win32Open maps a connect() failure to the Win32 error a pipe would give
// and its text, as docs/mux.md §12 lists them.
func win32Open(err error) (uint32, string) {
	switch {
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.ECONNREFUSED):
		return 2, "The system cannot find the file specified"
	case errors.Is(err, syscall.EAGAIN):
		return 231, "All pipe instances are busy"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return 5, "Access is denied"
	case errors.Is(err, syscall.ENAMETOOLONG), errors.Is(err, syscall.EINVAL):
		return 123, "The filename, directory name, or volume label syntax is incorrect"
	}
	return 31, "A device attached to the system is not functioning"
}

// relayForRouter runs the session until the router closes our stdin;
// its result is the exit status.
func relayForRouter() int {
	if _, err := os.Stdout.Write([]byte(hello)); err != nil {
		fmt.Fprintf(os.Stderr, "yamuxpeer --mux: writing the hello: %v\n", err)
		return 1
	}
	cfg := yamux.DefaultConfig()
	// docs/mux.md §5 and §7: a 256 KiB window, and no keepalive of our
	// own (the router pings; our stdin ends when the router does).
	cfg.MaxStreamWindowSize = 256 * 1024
	cfg.EnableKeepAlive = false
	cfg.AcceptBacklog = 1024
	cfg.LogOutput = os.Stderr
	// See config() in main.go: a write timeout would corrupt a queued
	// header under load.
	cfg.ConnectionWriteTimeout = 10 * time.Minute
	sess, err := yamux.Server(stdioConn{}, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "yamuxpeer --mux: yamux server: %v\n", err)
		return 1
	}
	for {
		s, err := sess.AcceptStream()
		if err != nil {
			// The router closed our stdin (or broke the session):
			// every socket goes with the process.
			return 0
		}
		go serveRouterStream(s)
	}
}

// serveRouterStream: the open request, the connect, the open reply, then
// bytes both ways with half-close.
func serveRouterStream(s *yamux.Stream) {
	id := s.StreamID()
	if id%2 != 1 {
		fmt.Fprintf(os.Stderr, "yamuxpeer --mux: the router opened even stream %d\n", id)
	}
	args, err := readRequest(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "yamuxpeer --mux: stream %d: %v\n", id, err)
		s.Close()
		return
	}
	pipe := args[len(args)-1]
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: pipe, Net: "unix"})
	if err != nil {
		code, text := win32Open(err)
		msg := fmt.Sprintf("%s: cannot open pipe: %s (error %d)", pipe, text, code)
		if _, err := s.Write(encodeReply(3, code, msg)); err != nil {
			fmt.Fprintf(os.Stderr, "yamuxpeer --mux: stream %d: reply: %v\n", id, err)
		}
		// Then FIN; what the router sent behind its request is dropped.
		s.Close()
		io.Copy(io.Discard, s)
		return
	}
	defer conn.Close()
	if _, err := s.Write(encodeReply(0, 0, "")); err != nil {
		fmt.Fprintf(os.Stderr, "yamuxpeer --mux: stream %d: reply: %v\n", id, err)
		s.Close()
		return
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		// Router -> socket. The router's FIN is the client's
		// half-close: shut our write side down and keep reading. A
		// reset (RST) ends both ways: closing the socket also wakes
		// the other direction. (This yamux, 2019, also reads EOF once
		// we sent our own FIN and its buffer is empty, so data the
		// router sends after the backend's half-close may be cut.)
		defer wg.Done()
		if _, err := io.Copy(conn, s); err != nil {
			fmt.Fprintf(os.Stderr, "yamuxpeer --mux: stream %d: to the socket: %v\n", id, err)
			conn.Close()
			return
		}
		conn.CloseWrite()
	}()
	// Socket -> router: its EOF (or a broken socket) is our FIN, after
	// the data before it.
	if _, err := io.Copy(s, conn); err != nil && !errors.Is(err, net.ErrClosed) {
		fmt.Fprintf(os.Stderr, "yamuxpeer --mux: stream %d: to the router: %v\n", id, err)
	}
	s.Close()
	wg.Wait()
}
