// SPDX-License-Identifier: MIT
// listen.go - a Go program for the kernel-layer tests: N times, open a TCP
// listener on 127.0.0.1:0, connect to it, accept, echo four bytes; exit 0.
//
// Go binaries are static and make raw syscalls, so only the seccomp layers
// see them.  Go preempts running goroutines with SIGURG; busy goroutines keep
// that happening while sockets are made, so a notified call that a signal
// could cancel and restart (no wait-killable mode) is exercised many times.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
)

func once() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil {
			done <- err
			return
		}
		_, err = c.Write(buf)
		done <- err
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		return err
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if !bytes.Equal(buf, []byte("ping")) {
		return fmt.Errorf("echo: got %q", buf)
	}
	return <-done
}

func main() {
	n := 1
	if len(os.Args) > 1 {
		var err error
		if n, err = strconv.Atoi(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "usage: listen [N]")
			os.Exit(2)
		}
	}
	stop := make(chan struct{})
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		go func() {
			for x := 0; ; x++ {
				select {
				case <-stop:
					return
				default:
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		if err := once(); err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(1)
		}
	}
	close(stop)
	fmt.Println("ok", n)
}
