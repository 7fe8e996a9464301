// Package awsfake serves the wire protocols of the AWS APIs twofetch uses
// and that cannot run here, so tests exercise the real SDK clients end to
// end against a loopback server.
package awsfake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
)

// SNSMessage is one Publish call as the server received it.
type SNSMessage struct {
	PhoneNumber string
	Message     string
	// Attributes maps MessageAttributes names to their string values.
	Attributes map[string]string
}

// SNS speaks the SNS query protocol (form-encoded Action=Publish, XML
// answers) for Publish to phone numbers.
type SNS struct {
	*httptest.Server
	mu       sync.Mutex
	messages []SNSMessage
	// FailNext makes the next n Publish calls answer a throttling error.
	failNext int
}

// NewSNS starts the server; Close it when done.
func NewSNS() *SNS {
	s := &SNS{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Messages returns what was published so far.
func (s *SNS) Messages() []SNSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SNSMessage(nil), s.messages...)
}

// FailNext makes the next n Publish calls fail with a throttling error.
func (s *SNS) FailNext(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

func (s *SNS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "Publish" {
		queryError(w, http.StatusBadRequest, "InvalidAction", "only Publish is served")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		queryError(w, http.StatusForbidden, "MissingAuthenticationToken", "request is not signed")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		queryError(w, http.StatusBadRequest, "Throttling", "Rate exceeded")
		return
	}
	m := SNSMessage{PhoneNumber: r.Form.Get("PhoneNumber"), Message: r.Form.Get("Message"), Attributes: map[string]string{}}
	if m.PhoneNumber == "" || m.Message == "" {
		queryError(w, http.StatusBadRequest, "InvalidParameter", "PhoneNumber and Message are required")
		return
	}
	// MessageAttributes.entry.N.Name / .Value.StringValue
	var keys []string
	for k := range r.Form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "MessageAttributes.entry.") && strings.HasSuffix(k, ".Name") {
			prefix := strings.TrimSuffix(k, ".Name")
			m.Attributes[r.Form.Get(k)] = r.Form.Get(prefix + ".Value.StringValue")
		}
	}
	s.messages = append(s.messages, m)
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-%d</MessageId></PublishResult><ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata></PublishResponse>`, len(s.messages), len(s.messages))
}

func queryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-err</RequestId></ErrorResponse>`, code, msg)
}
