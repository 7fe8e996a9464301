// Command twofetch fetches invoices from online portals, including portals
// behind two-factor authentication. See the README for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	// Tenants' quiet hours name IANA time zones; slim container images
	// have no zoneinfo of their own.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdin, os.Stdout, os.Stderr, os.Environ())
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Command is one subcommand. Flags registers the command's own flags (the
// settings it reads are registered by the framework from Settings); Run does
// the work. An error of type usageError prints the command's help.
type Command struct {
	Name    string
	Summary string
	// Usage is the synopsis after "twofetch NAME", e.g. "[flags] FILE...".
	Usage string
	// Help is shown by "twofetch NAME --help" under the synopsis.
	Help string
	// Settings names the configuration settings the command reads; they
	// become flags and are validated before Run.
	Settings []string
	Flags    func(fs *flag.FlagSet)
	Run      func(ctx context.Context, m *Main, args []string) error
}

var commands = map[string]*Command{}

// register adds a command; called from init functions, one per command file.
func register(c *Command) {
	if _, dup := commands[c.Name]; dup {
		panic("twofetch: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

// Main is the program with its inputs and outputs, so tests can run it
// in-process with the same code paths as the binary.
type Main struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Environ is the environment as "KEY=value" strings.
	Environ []string
	Config  *Config
	Logger  *slog.Logger

	command string // the running command's name
	closers []func() error
}

// NewMain returns a Main reading its configuration from environ.
func NewMain(stdin io.Reader, stdout, stderr io.Writer, environ []string) *Main {
	return &Main{Stdin: stdin, Stdout: stdout, Stderr: stderr, Environ: environ}
}

// OnClose registers f to run when Close is called, in reverse order.
func (m *Main) OnClose(f func() error) { m.closers = append(m.closers, f) }

// Close releases what the command opened.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns an error that makes Run print the command's help.
func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitError ends the program with a status and no extra message, for
// commands such as "qr decode" whose exit status carries meaning.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Run parses args, runs the command and closes what it opened. It returns
// the process exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	defer m.Close()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				m.printCommandHelp(m.Stdout, c, newFlagSet(c, m))
				return 0
			}
		}
		m.printHelp(m.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(m.Stderr, "twofetch: unknown command %q\n\n", args[0])
		m.printHelp(m.Stderr)
		return 2
	}
	fs := newFlagSet(c, m)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			m.printCommandHelp(m.Stdout, c, fs)
			return 0
		}
		fmt.Fprintf(m.Stderr, "twofetch %s: %v\n", c.Name, err)
		return 2
	}
	if err := m.Config.finish(fs, c.Settings); err != nil {
		fmt.Fprintf(m.Stderr, "twofetch %s: %v\n", c.Name, err)
		return 2
	}
	m.Logger = newLogger(m.Stderr, m.Config)
	m.command = c.Name
	err := c.Run(ctx, m, fs.Args())
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(m.Stderr, "twofetch %s: %s\n\n", c.Name, ue.msg)
		m.printCommandHelp(m.Stderr, c, fs)
		return 2
	default:
		fmt.Fprintf(m.Stderr, "twofetch %s: %v\n", c.Name, err)
		return 1
	}
}

func newFlagSet(c *Command, m *Main) *flag.FlagSet {
	fs := flag.NewFlagSet("twofetch "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	m.Config = newConfig(m.Environ)
	m.Config.register(fs, c.Settings)
	if c.Flags != nil {
		c.Flags(fs)
	}
	return fs
}

func (m *Main) printHelp(w io.Writer) {
	fmt.Fprintf(w, "twofetch fetches invoices from online portals, including portals behind two-factor authentication.\n\nUsage: twofetch COMMAND [flags] [args]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintf(w, "\nRun \"twofetch COMMAND --help\" for a command's flags. Every setting can also be given as a TWOFETCH_* environment variable.\n")
}

func (m *Main) printCommandHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: twofetch %s %s\n\n%s\n", c.Name, c.Usage, c.Summary)
	if c.Help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Help))
	}
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		if s := settingByFlag(f.Name); s != nil && s.Secret {
			fmt.Fprintf(&b, "  %s or %s_FILE (environment only)\n      %s\n", s.Env, s.Env, f.Usage)
			return
		}
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(&b, " %s", name)
		}
		if s := settingByFlag(f.Name); s != nil {
			fmt.Fprintf(&b, "\n      %s (env %s", usage, s.Env)
			if s.Default != "" {
				fmt.Fprintf(&b, ", default %s", s.Default)
			}
			b.WriteString(")\n")
		} else {
			fmt.Fprintf(&b, "\n      %s", usage)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(&b, " (default %s)", f.DefValue)
			}
			b.WriteString("\n")
		}
	})
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}

func init() {
	register(&Command{
		Name:    "version",
		Summary: "print the version",
		Run: func(ctx context.Context, m *Main, args []string) error {
			fmt.Fprintf(m.Stdout, "twofetch %s\n", version)
			return nil
		},
	})
}
