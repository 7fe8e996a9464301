package testenv

import (
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// Socks5 is a microsocks SOCKS5 server the test owns, an implementation
// independent of twofetch's client. It asks for a user name and password
// and connects out from BindIP, so an origin on loopback tells requests that
// came through it from any that did not.
type Socks5 struct {
	Addr   string
	BindIP string
	log    LogLines
}

// StartSocks5 starts microsocks on a free loopback port with the user and
// password, connecting out from bindIP (e.g. 127.0.0.2); stopped when the
// test ends.
func StartSocks5(t testing.TB, user, password, bindIP string) *Socks5 {
	t.Helper()
	bin, err := exec.LookPath("microsocks")
	if err != nil {
		Missing(t, "microsocks not on PATH (apt-get install microsocks)")
	}
	s := &Socks5{BindIP: bindIP}
	port := freePort(t)
	s.Addr = "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-u", user, "-P", password, "-b", bindIP)
	cmd.Stdout, cmd.Stderr = &s.log, &s.log
	if err := cmd.Start(); err != nil {
		Missing(t, "start microsocks: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitTCP(t, s.Addr, "microsocks")
	return s
}

var socksConnected = regexp.MustCompile(`connected to (\S+)`)

// Connects are the host:port targets clients had the server connect to,
// from its log.
func (s *Socks5) Connects() []string {
	var out []string
	for _, l := range s.log.Lines() {
		if m := socksConnected.FindStringSubmatch(l); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}
