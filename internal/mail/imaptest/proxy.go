package imaptest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Proxy is a TCP proxy in front of an IMAP server that misbehaves on request: it can cut the
// connection in the middle of a response and hide capabilities (IDLE, MOVE) the server offers.
// It reads the server's side as IMAP (lines and literals), so it never mistakes message text
// for protocol.
type Proxy struct {
	// Addr is the host:port clients connect to.
	Addr   string
	target string
	ln     net.Listener

	mu     sync.Mutex
	delay  *delay
	hide   []string
	cut    *cut
	cuts   int
	conns  int
	active map[net.Conn]struct{}
	wg     sync.WaitGroup
}

type delay struct {
	pattern []byte
	d       time.Duration
}

type cut struct {
	pattern []byte
	after   int
}

// NewProxy listens on 127.0.0.1 and forwards each connection to target; it stops when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("imaptest: proxy listen: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, active: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// HideCapability removes the named capabilities from every CAPABILITY list the server sends
// from now on (the server still accepts the commands; a client that believes the list does not use them).
func (p *Proxy) HideCapability(names ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hide = append(p.hide, names...)
}

// CutOnce arms a single cut: the next time the server sends a response line containing
// pattern, the proxy forwards that line and after more bytes (of a literal that follows, say),
// then closes both sides of that connection.
func (p *Proxy) CutOnce(pattern string, after int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = &cut{pattern: []byte(pattern), after: after}
}

// DelayClient holds up, by d, whatever the client sends that contains pattern (a command such
// as "+FLAGS"), from now on; d 0 stops it. It widens the moment between two of the client's
// steps, for tests that must land in it.
func (p *Proxy) DelayClient(pattern string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = nil
	if d > 0 {
		p.delay = &delay{pattern: []byte(pattern), d: d}
	}
}

func (p *Proxy) delayFor(b []byte) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.delay != nil && bytes.Contains(b, p.delay.pattern) {
		return p.delay.d
	}
	return 0
}

// fromClient copies what the client sends to the server, held up where DelayClient says.
func (p *Proxy) fromClient(server io.Writer, client io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if d := p.delayFor(buf[:n]); d > 0 {
				time.Sleep(d)
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cuts is how many connections the proxy has cut.
func (p *Proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// Connections is how many connections clients have opened through the proxy.
func (p *Proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}

func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.active {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns++
		p.active[client] = struct{}{}
		p.active[server] = struct{}{}
		p.mu.Unlock()
		closeBoth := sync.OnceFunc(func() {
			client.Close()
			server.Close()
			p.mu.Lock()
			delete(p.active, client)
			delete(p.active, server)
			p.mu.Unlock()
		})
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			defer closeBoth()
			p.fromClient(server, client)
		}()
		go func() {
			defer p.wg.Done()
			defer closeBoth()
			p.fromServer(client, server)
		}()
	}
}

var literalAtEnd = regexp.MustCompile(`\{(\d+)\}\r\n$`)

// fromServer copies the server's responses to the client a line (and a literal) at a time,
// rewriting capability lists and cutting where armed.
func (p *Proxy) fromServer(client io.Writer, server io.Reader) {
	r := bufio.NewReaderSize(server, 64<<10)
	budget := -1 // bytes left before the cut; -1 while none is due
	write := func(b []byte) bool {
		if budget >= 0 && len(b) >= budget {
			client.Write(b[:budget])
			p.mu.Lock()
			p.cuts++
			p.mu.Unlock()
			return false
		}
		if budget >= 0 {
			budget -= len(b)
		}
		_, err := client.Write(b)
		return err == nil
	}
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			p.mu.Lock()
			if bytes.Contains(line, []byte("CAPABILITY")) {
				for _, name := range p.hide {
					for _, end := range []string{" ", "]", "\r\n"} {
						line = bytes.ReplaceAll(line, []byte(" "+name+end), []byte(end))
					}
				}
			}
			if p.cut != nil && budget < 0 && bytes.Contains(line, p.cut.pattern) {
				budget = p.cut.after + len(line)
				p.cut = nil
			}
			p.mu.Unlock()
			if !write(line) {
				return
			}
			if m := literalAtEnd.FindSubmatch(line); m != nil {
				n, _ := strconv.ParseInt(string(m[1]), 10, 64)
				buf := make([]byte, 32<<10)
				for n > 0 {
					k, err := r.Read(buf[:min(int64(len(buf)), n)])
					if k > 0 && !write(buf[:k]) {
						return
					}
					n -= int64(k)
					if err != nil {
						return
					}
				}
			}
		}
		if err != nil {
			return
		}
	}
}
