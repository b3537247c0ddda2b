package bns

import (
	"errors"
	"fmt"
	"strings"
)

// Length limits of names, in bytes (names are ASCII).
const (
	// MaxNameLen bounds a fully-qualified name, "name.namespace": it must
	// fit the 37-byte name field of NAME_REGISTRATION.
	MaxNameLen = 37
	// MaxNamespaceIDLen bounds a namespace id.
	MaxNamespaceIDLen = 19
)

// ErrInvalidName is wrapped by every name and namespace id syntax error.
var ErrInvalidName = errors.New("invalid name")

// SplitName checks the syntax of a fully-qualified name and returns its
// two parts. A name is "name.namespace" with exactly one dot, both parts
// from [a-z0-9-_], the namespace id 1–19 bytes, the whole at most 37
// bytes. ('.' and '+' are base-40 characters too, but '.' separates and
// '+' is reserved for subdomains, so neither may appear in a part.)
func SplitName(fqn string) (name, namespaceID string, err error) {
	if len(fqn) > MaxNameLen {
		return "", "", fmt.Errorf("%w: %q is %d bytes, more than %d", ErrInvalidName, fqn, len(fqn), MaxNameLen)
	}
	dot := strings.IndexByte(fqn, '.')
	if dot < 0 {
		return "", "", fmt.Errorf("%w: %q has no namespace (want name.namespace)", ErrInvalidName, fqn)
	}
	name, namespaceID = fqn[:dot], fqn[dot+1:]
	if name == "" {
		return "", "", fmt.Errorf("%w: %q has an empty name before the dot", ErrInvalidName, fqn)
	}
	if i := badNameChar(name); i >= 0 {
		return "", "", fmt.Errorf("%w: %q: byte %d (%q) is not one of a-z 0-9 - _", ErrInvalidName, fqn, i, fqn[i])
	}
	if err := ValidNamespaceID(namespaceID); err != nil {
		return "", "", fmt.Errorf("%q: %w", fqn, err)
	}
	return name, namespaceID, nil
}

// ValidName reports whether fqn is a well-formed fully-qualified name (see
// SplitName).
func ValidName(fqn string) error {
	_, _, err := SplitName(fqn)
	return err
}

// ValidNamespaceID reports whether id is a well-formed namespace id: 1–19
// bytes from [a-z0-9-_].
func ValidNamespaceID(id string) error {
	if id == "" || len(id) > MaxNamespaceIDLen {
		return fmt.Errorf("%w: namespace id %q is %d bytes, want 1 to %d", ErrInvalidName, id, len(id), MaxNamespaceIDLen)
	}
	if i := badNameChar(id); i >= 0 {
		return fmt.Errorf("%w: namespace id %q: byte %d (%q) is not one of a-z 0-9 - _", ErrInvalidName, id, i, id[i])
	}
	return nil
}

// badNameChar returns the index of the first byte of s outside
// [a-z0-9-_], or -1.
func badNameChar(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return i
		}
	}
	return -1
}
