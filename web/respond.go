package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/twofetch/twofetch"
)

// StatusOf maps the stable error codes to HTTP status codes, for every
// handler that answers with {"error":{"code","message"}}.
func StatusOf(code string) int {
	switch code {
	case twofetch.EINVALID:
		return http.StatusBadRequest
	case twofetch.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case twofetch.EFORBIDDEN:
		return http.StatusForbidden
	case twofetch.ENOTFOUND:
		return http.StatusNotFound
	case twofetch.ECONFLICT:
		return http.StatusConflict
	case twofetch.EGONE:
		return http.StatusGone
	case twofetch.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case twofetch.ERATELIMITED:
		return http.StatusTooManyRequests
	case twofetch.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Error writes err as a JSON error response. A *twofetch.Error shows its
// code and message; any other error is logged and shown only as "internal
// error", because its text may carry details the caller must not see.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := twofetch.ErrorCode(err)
	if code == twofetch.EINTERNAL {
		s.log.ErrorContext(r.Context(), "request failed", "route", r.Pattern, "request_id", w.Header().Get("X-Request-Id"), "err", err)
	}
	if code == twofetch.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="twofetch"`)
	}
	var body ErrorBody
	body.Error.Code = code
	body.Error.Message = twofetch.ErrorMessage(err)
	s.JSON(w, r, StatusOf(code), body)
}

// JSON writes v as a JSON response with the given status.
func (s *Server) JSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.log.ErrorContext(r.Context(), "encode response", "route", r.Pattern, "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// DecodeJSON reads one JSON object from the request body into v, refusing
// unknown fields, trailing data and bodies over the server's size cap, with
// messages that tell the client what to fix. The errors are *twofetch.Error.
func (s *Server) DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		// curl -d labels JSON as a form; accepting that label costs nothing,
		// since the body must still be JSON and bearer tokens rule out
		// cross-site form posts.
		ok := err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "application/x-www-form-urlencoded")
		if !ok {
			return twofetch.Errorf(twofetch.EINVALID, "Content-Type must be application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, s.cfg.MaxBodyBytes)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, s.cfg.MaxBodyBytes)
		}
		return twofetch.Errorf(twofetch.EINVALID, "request body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return twofetch.Errorf(twofetch.ETOOLARGE, "request body is larger than %d bytes", limit)
	case errors.Is(err, io.EOF):
		return twofetch.Errorf(twofetch.EINVALID, "request body is empty; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return twofetch.Errorf(twofetch.EINVALID, "request body ends in the middle of the JSON")
	case errors.As(err, &syn):
		return twofetch.Errorf(twofetch.EINVALID, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return twofetch.Errorf(twofetch.EINVALID, "field %q must be a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return twofetch.Errorf(twofetch.EINVALID, "request body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for unknown fields; the field
		// name comes from the client, so quoting it back is safe.
		return twofetch.Errorf(twofetch.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return twofetch.Errorf(twofetch.EINVALID, "cannot read request body: %s", errorSummary(err))
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	}
	return "number"
}

// errorSummary keeps the decoder's message short and free of Go type names.
func errorSummary(err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return fmt.Sprintf("%q", msg)
}
