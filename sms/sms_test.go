package sms_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/twofetch/twofetch/internal/awsfake"
	"github.com/twofetch/twofetch/internal/netguard"
	"github.com/twofetch/twofetch/internal/signature"
	"github.com/twofetch/twofetch/internal/testenv"
	"github.com/twofetch/twofetch/sms"
)

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"+4915112345678", "+4915112345678", true},
		{" +49 151 1234-5678 ", "+4915112345678", true},
		{"+1 (415) 555.2671", "+14155552671", true},
		{"015112345678", "", false}, // national format
		{"+49", "", false},          // too short
		{"+0123456789", "", false},  // no country code starts with 0
		{"+49151123456789012", "", false},
		{"+49 151 abc", "", false},
		{"49+151", "", false},
	} {
		got, err := sms.NormalizePhone(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestLogWritesMessage(t *testing.T) {
	var logs testenv.LogLines
	l := &sms.Log{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	if err := l.Send(context.Background(), "+4915112345678", "Open https://x/e/tok"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "https://x/e/tok") || !strings.Contains(logs.String(), "+4915112345678") {
		t.Fatalf("log lacks the message: %s", logs.String())
	}
}

func TestWebhookSignsAndReportsFailures(t *testing.T) {
	const secret = "s3cret"
	var gotBody []byte
	var gotSig string
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotBody, _ = io.ReadAll(r.Body)
		gotSig = r.Header.Get(sms.SignatureHeader)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	now := time.Unix(1_800_000_000, 0)
	w := &sms.Webhook{URL: srv.URL, Secret: secret, Now: func() time.Time { return now },
		Client: netguard.Policy{AllowHTTP: true, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(15 * time.Second)}
	if err := w.Send(context.Background(), "+4915112345678", "hello"); err != nil {
		t.Fatal(err)
	}
	if string(gotBody) != `{"to":"+4915112345678","body":"hello"}` {
		t.Fatalf("body = %s", gotBody)
	}
	if err := signature.Verify(secret, gotSig, gotBody, time.Minute, now); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	if err := signature.Verify("other", gotSig, gotBody, time.Minute, now); err == nil {
		t.Fatal("signature verified under the wrong secret")
	}
	if err := signature.Verify(secret, gotSig, []byte(`{"to":"+1","body":"hello"}`), time.Minute, now); err == nil {
		t.Fatal("signature verified for a changed body")
	}
	if err := signature.Verify(secret, gotSig, gotBody, time.Minute, now.Add(time.Hour)); err == nil {
		t.Fatal("stale signature verified")
	}
	status = http.StatusBadGateway
	err := w.Send(context.Background(), "+4915112345678", "hello")
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("err = %v, want the 502 named", err)
	}
	if strings.Contains(err.Error(), "hello") {
		t.Fatal("error leaks the message body")
	}
}

func TestSNSPublishesTransactionalSMS(t *testing.T) {
	fake := awsfake.NewSNS()
	defer fake.Close()
	client := sns.New(sns.Options{
		Region:       "eu-central-1",
		BaseEndpoint: aws.String(fake.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer:      retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 10 * time.Millisecond }),
	})
	s := &sms.SNS{Client: client, SenderID: "twofetch"}
	fake.FailNext(1) // throttled once: the SDK's retryer must get it through
	if err := s.Send(context.Background(), "+4915112345678", "Your link: https://x/e/abc"); err != nil {
		t.Fatal(err)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("published %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.PhoneNumber != "+4915112345678" || m.Message != "Your link: https://x/e/abc" {
		t.Fatalf("message = %+v", m)
	}
	if m.Attributes["AWS.SNS.SMS.SMSType"] != "Transactional" || m.Attributes["AWS.SNS.SMS.SenderID"] != "twofetch" {
		t.Fatalf("attributes = %v", m.Attributes)
	}
	fake.FailNext(100)
	if err := s.Send(context.Background(), "+4915112345678", "x"); err == nil {
		t.Fatal("want an error when SNS keeps refusing")
	}
}
