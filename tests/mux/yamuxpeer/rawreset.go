// nprelay-reset: raw frames, since this yamux has no way to send RST:
// streams reset by the router at once, and once their pipe is open with
// data in flight both ways; the relay must tear each down (cancelled
// I/O, handles closed) and go on serving.
//
// The requests carry -p.  The pipe server creates its next instance only
// after it handed the last one to a thread, so while the reset streams'
// instances close one after another the name can vanish for a moment;
// without -p the relay then rightly fails the open (reply 3, error 2,
// FIN), which under load made this scenario flaky.  With -p the relay
// waits for the pipe on its timer, and a stream reset at once may be
// reset during that wait: no reply, no pipe.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

var serverLog = flag.String("server-log", "", "nprelay-reset: the pipe server's event log")

type rawStream struct {
	data      []byte
	fin, rst  bool
	gotHeader bool
}

type rawPeer struct {
	w       io.Writer
	mu      sync.Mutex
	streams map[uint32]*rawStream
	err     error
}

func rawFrame(typ byte, flags uint16, id, length uint32, payload []byte) []byte {
	b := make([]byte, 12, 12+len(payload))
	b[1] = typ
	binary.BigEndian.PutUint16(b[2:], flags)
	binary.BigEndian.PutUint32(b[4:], id)
	binary.BigEndian.PutUint32(b[8:], length)
	return append(b, payload...)
}

// read takes the relay's frames apart; window updates are ignored, as
// no stream here sends more than its window.
func (r *rawPeer) read(rd io.Reader) {
	var h [12]byte
	for {
		if _, err := io.ReadFull(rd, h[:]); err != nil {
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
			return
		}
		typ, flags := h[1], binary.BigEndian.Uint16(h[2:])
		id, n := binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[8:])
		var payload []byte
		if typ == 0 && n > 0 {
			payload = make([]byte, n)
			if _, err := io.ReadFull(rd, payload); err != nil {
				r.mu.Lock()
				r.err = err
				r.mu.Unlock()
				return
			}
		}
		if typ > 1 {
			continue
		}
		r.mu.Lock()
		s := r.streams[id]
		if s == nil {
			s = &rawStream{}
			r.streams[id] = s
		}
		s.gotHeader = true
		s.data = append(s.data, payload...)
		s.fin = s.fin || flags&4 != 0
		s.rst = s.rst || flags&8 != 0
		r.mu.Unlock()
	}
}

// okReply is the open reply of success: length 5, status 0, code 0.
const okReply = "\x00\x00\x00\x05\x00\x00\x00\x00\x00"

// reply is what stream id sent so far, cut at the length of okReply.
func (r *rawPeer) reply(id uint32) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.streams[id].data
	return string(d[:min(len(d), len(okReply))])
}

// wait until cond holds for stream id.
func (r *rawPeer) wait(id uint32, limit time.Duration, cond func(*rawStream) bool) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); {
		r.mu.Lock()
		s := r.streams[id]
		ok := s != nil && cond(s)
		r.mu.Unlock()
		if ok {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

func nprelayReset(p *peer, streams int) {
	if err := readHello(p); err != nil {
		p.chk.fail("%v", err)
		return
	}
	r := &rawPeer{w: p.conn, streams: map[uint32]*rawStream{}}
	go r.read(p.conn)
	bulk := make([]byte, 200*1024)
	req := encodeRequest("-p", "-s", *pipeEcho)
	id := uint32(1)
	for i := 0; i < streams; i++ {
		p.conn.Write(rawFrame(0, 1, id, uint32(len(req)), req))
		if i%2 == 1 {
			// Open, with 200 KiB going to the pipe and its echo
			// coming back, then RST.
			if !r.wait(id, 30*time.Second, func(s *rawStream) bool { return len(s.data) >= 9 }) {
				p.chk.fail("stream %d: no open reply", id)
				return
			}
			if rep := r.reply(id); rep != okReply {
				p.chk.fail("stream %d: open reply %q, want success", id, rep)
				return
			}
			p.conn.Write(rawFrame(0, 0, id, uint32(len(bulk)), bulk))
			r.wait(id, 2*time.Second, func(s *rawStream) bool { return len(s.data) > 9 })
		}
		p.conn.Write(rawFrame(1, 8, id, 0, nil))
		id += 2
	}
	// The session goes on: one more stream, echoed and half-closed.
	p.conn.Write(rawFrame(0, 1, id, uint32(len(req)), req))
	p.conn.Write(rawFrame(0, 4, id, 4, []byte("ping")))
	want := okReply + "pingreceived 4 bytes\n"
	if !r.wait(id, 30*time.Second, func(s *rawStream) bool { return s.fin }) {
		p.chk.fail("after %d resets: the last stream got no FIN", streams)
	}
	r.mu.Lock()
	if s := r.streams[id]; s == nil || string(s.data) != want {
		p.chk.fail("after %d resets: the last stream got %q, want %q", streams, s.data, want)
	}
	// The relay's frames on a stream are in order and come before the
	// last stream's FIN: every reply sent is in by now.  A reset stream's
	// pipe is open at the relay exactly when its success reply was sent.
	opened := 0
	for sid := uint32(1); sid < id; sid += 2 {
		s := r.streams[sid]
		if s == nil || len(s.data) == 0 {
			continue // reset while waiting for the pipe
		}
		if rep := string(s.data[:min(len(s.data), len(okReply))]); rep != okReply {
			p.chk.fail("stream %d: open reply %q, want success", sid, s.data)
			continue
		}
		opened++
		// With -p nothing fails the open, and the server never ends a
		// stream on its own: a FIN here is the relay's, after our RST.
		if s.fin && !s.rst {
			p.chk.fail("stream %d ended with FIN after our RST (it sent %q)", sid, s.data)
		}
	}
	r.mu.Unlock()
	// While the relay still runs (its exit would close every handle),
	// the server must have seen each opened stream's pipe close.
	if *serverLog != "" {
		end := time.Now().Add(20 * time.Second)
		for n := 0; ; time.Sleep(20 * time.Millisecond) {
			b, _ := os.ReadFile(*serverLog)
			n = strings.Count(string(b), "\nbroken ")
			if n >= opened {
				break
			}
			if time.Now().After(end) {
				p.chk.fail("the server saw %d of %d opened pipes close while the relay runs", n, opened)
				break
			}
		}
	}
	fmt.Fprintf(os.Stderr, "nprelay-reset: %d streams reset, half of them with I/O in flight; %d reached their pipe, %d were reset while the relay waited for it\n",
		streams, opened, streams-opened)
}
