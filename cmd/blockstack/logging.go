package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"
)

// The environment variables of --log-level and --log-format, for every
// server command (the flag wins).
const (
	logLevelEnv  = "BLOCKSTACK_LOG_LEVEL"
	logFormatEnv = "BLOCKSTACK_LOG_FORMAT"
)

// logFlags are how a server command (node, devnet, hub, registrar, dns)
// logs: its --log-level and --log-format. newLogger is the one place a
// server's logger is built from them.
type logFlags struct {
	level  logLevel
	format logFormat
}

// addLogFlags defines --log-level and --log-format on fs, each also read
// from its environment variable (see fromEnv).
func addLogFlags(fs *pflag.FlagSet, f *logFlags) {
	f.level = logLevel(slog.LevelInfo)
	f.format = "text"
	fs.Var(&f.level, "log-level", "least severe log lines written: debug, info, warn or error (per-request access lines are debug)")
	fromEnv(fs, "log-level", logLevelEnv)
	fs.Var(&f.format, "log-format", "log line format on standard error: text (key=value) or json (one object a line)")
	fromEnv(fs, "log-format", logFormatEnv)
}

// newLogger is the logger the flags describe, writing to w.
func (f logFlags) newLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.Level(f.level)}
	if f.format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logLevel is a --log-level: one of the four names slog prints.
type logLevel slog.Level

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func (l *logLevel) Set(s string) error {
	v, ok := logLevels[strings.ToLower(s)]
	if !ok {
		return fmt.Errorf("%q is not a log level: want debug, info, warn or error", s)
	}
	*l = logLevel(v)
	return nil
}

func (l *logLevel) String() string { return strings.ToLower(slog.Level(*l).String()) }
func (l *logLevel) Type() string   { return "level" }

// logFormat is a --log-format: text or json.
type logFormat string

func (f *logFormat) Set(s string) error {
	switch s = strings.ToLower(s); s {
	case "text", "json":
		*f = logFormat(s)
		return nil
	}
	return fmt.Errorf("%q is not a log format: want text or json", s)
}

func (f *logFormat) String() string { return string(*f) }
func (f *logFormat) Type() string   { return "format" }

// logWriter turns what is written to it, line by line, into log lines
// at INFO with the message msg and the line as "progress": a library's
// human progress (nameop.Runner.Log) in a server's log, in its format.
type logWriter struct {
	log *slog.Logger
	msg string
}

func (w logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			w.log.Info(w.msg, "progress", line)
		}
	}
	return len(p), nil
}
