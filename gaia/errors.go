package gaia

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// HubError is an error answered to the client as the reference hub does:
// an HTTP status and a JSON body {"message", "error": <class name>}.
type HubError struct {
	Status int
	// Name is the reference hub's error class (ValidationError, ...).
	Name    string
	Message string
	// ETag is set on PreconditionFailedError: the current ETag, or "" when
	// the file does not exist.
	ETag string
	// RetryAfter, when > 0, is sent as Retry-After (seconds) with a 429,
	// and exposed to browser apps through CORS.
	RetryAfter int64
	// Err is the cause, logged but not sent.
	Err error
}

func (e *HubError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Name, e.Message, e.Err)
	}
	return e.Name + ": " + e.Message
}

func (e *HubError) Unwrap() error { return e.Err }

// The reference hub's error classes and the statuses its HTTP layer gives
// them. BadPathError is 400 here where the reference answers 403: a bad path
// is bad input, and the issue for this hub asks for 400.
func validationError(format string, a ...any) *HubError {
	return &HubError{Status: http.StatusUnauthorized, Name: "ValidationError", Message: fmt.Sprintf(format, a...)}
}

func timestampError(format string, a ...any) *HubError {
	return &HubError{Status: http.StatusUnauthorized, Name: "AuthTokenTimestampValidationError", Message: fmt.Sprintf(format, a...)}
}

func badPathError(err error) *HubError {
	return &HubError{Status: http.StatusBadRequest, Name: "BadPathError", Message: err.Error(), Err: err}
}

func badRequest(format string, a ...any) *HubError {
	return &HubError{Status: http.StatusBadRequest, Name: "InvalidInputError", Message: fmt.Sprintf(format, a...)}
}

func preconditionFailed(msg, currentETag string) *HubError {
	return &HubError{Status: http.StatusPreconditionFailed, Name: "PreconditionFailedError", Message: msg, ETag: currentETag}
}

func tooLarge(format string, a ...any) *HubError {
	return &HubError{Status: http.StatusRequestEntityTooLarge, Name: "PayloadTooLargeError", Message: fmt.Sprintf(format, a...)}
}

// asHubError maps driver and other errors to the answer the client gets.
// Anything unrecognised is a 500 whose cause is logged, not sent.
func asHubError(err error) *HubError {
	var he *HubError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &mbe):
		return &HubError{Status: http.StatusRequestEntityTooLarge, Name: "PayloadTooLargeError",
			Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit), Err: err}
	case errors.Is(err, ErrBadPath):
		return badPathError(err)
	case errors.Is(err, ErrNotFound):
		return &HubError{Status: http.StatusNotFound, Name: "DoesNotExist", Message: "File does not exist", Err: err}
	case errors.Is(err, ErrConflict):
		return &HubError{Status: http.StatusConflict, Name: "ConflictError", Message: "path conflicts with an existing file or directory", Err: err}
	case errors.Is(err, ErrPreconditionFailed):
		return &HubError{Status: http.StatusPreconditionFailed, Name: "PreconditionFailedError", Message: "precondition failed", Err: err}
	case errors.Is(err, ErrBadPage):
		return &HubError{Status: http.StatusBadRequest, Name: "InvalidInputError", Message: "invalid page", Err: err}
	case errors.Is(err, context.Canceled):
		// The request's context ends when its client goes away: no one
		// reads this answer, but it is no server error either.
		return &HubError{Status: http.StatusBadRequest, Name: "InvalidInputError", Message: "request canceled by the client", Err: err}
	}
	return &HubError{Status: http.StatusInternalServerError, Name: "", Message: "Server Error", Err: err}
}
