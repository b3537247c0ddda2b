package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-blockstack/go-blockstack/internal/httpserve"
)

// localURL is the http URL of a listener for clients on this machine:
// loopback when it listens on every interface.
func localURL(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return "http://" + addr.String()
}

// server is an HTTP server the command runs until its context ends.
type server struct {
	name string
	addr net.Addr
	srv  *http.Server
	done chan struct{} // closed when the server has stopped
	err  error         // why, once done is closed (nil after stop)
}

// listen starts serving h on addr; stop ends it.
func listen(name, addr string, h http.Handler, log *slog.Logger) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return serveOn(name, ln, h, log), nil
}

// serveOn starts serving h on ln, for handlers that need to know their
// own address before they serve.
func serveOn(name string, ln net.Listener, h http.Handler, log *slog.Logger) *server {
	s := &server{name: name, addr: ln.Addr(), done: make(chan struct{}), srv: httpserve.New(h, log)}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = fmt.Errorf("%s: %w", name, err)
		}
	}()
	return s
}

// stop shuts the server down, letting requests in flight finish.
func (s *server) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.done
}
