// nprelay-late: frames of a stream the relay has reset, as the router's
// would be when they were on their way before the RST reached it. The
// pipe (-pipe2) sends a zero-byte message at once and stays open, so
// with -ep the relay answers FIN and RST while its handle is still open
// for writing. The late Data and Window Update must be dropped
// (docs/mux.md §3), not taken for a violation that ends every stream of
// the session; an echo (-pipe) then goes through on the same session.
package main

import (
	"fmt"
	"os"
	"time"
)

func nprelayLate(p *peer) {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return
	}
	r := &rawPeer{w: p.conn, streams: map[uint32]*rawStream{}}
	go r.read(p.conn)

	req := encodeRequest("-ep", *pipeOther)
	p.conn.Write(rawFrame(0, 1, 1, uint32(len(req)), req))
	if !r.wait(1, 30*time.Second, func(s *rawStream) bool { return s.rst }) {
		p.chk.fail("stream 1: no RST after the server's zero-byte message (-ep)")
		return
	}
	r.mu.Lock()
	s := r.streams[1]
	if string(s.data) != okReply || !s.fin {
		p.chk.fail("stream 1: got %q, FIN %v; want the success reply, then FIN and RST", s.data, s.fin)
	}
	r.mu.Unlock()
	late := make([]byte, 1000)
	p.conn.Write(rawFrame(0, 0, 1, uint32(len(late)), late))
	p.conn.Write(rawFrame(1, 0, 1, 65536, nil))

	req = encodeRequest("-s", *pipeEcho)
	p.conn.Write(rawFrame(0, 1, 3, uint32(len(req)), req))
	p.conn.Write(rawFrame(0, 4, 3, 4, []byte("ping")))
	want := okReply + "pingreceived 4 bytes\n"
	if !r.wait(3, 30*time.Second, func(s *rawStream) bool { return s.fin }) {
		r.mu.Lock()
		p.chk.fail("after the late frames: the next stream got no FIN (reading the relay: %v)", r.err)
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	if s := r.streams[3]; string(s.data) != want {
		p.chk.fail("after the late frames: the next stream got %q, want %q", s.data, want)
	}
	r.mu.Unlock()
	fmt.Fprintf(os.Stderr, "nprelay-late: Data and Window Update after the relay's RST dropped, the next stream echoed\n")
}
