package signature

import (
	"testing"
	"time"
)

func TestSignature(t *testing.T) {
	now := time.Unix(1_790_000_000, 0)
	body := []byte(`{"id":"evt_1"}`)
	good := Sign("s3cret", now, body)
	tests := []struct {
		name    string
		secret  string
		header  string
		body    string
		now     time.Time
		wantErr bool
	}{
		{"valid", "s3cret", good, string(body), now, false},
		{"valid among several v1", "s3cret", good + ",v1=00ff", string(body), now, false},
		{"wrong secret", "other", good, string(body), now, true},
		{"tampered body", "s3cret", good, `{"id":"evt_2"}`, now, true},
		{"too old", "s3cret", good, string(body), now.Add(10 * time.Minute), true},
		{"no timestamp", "s3cret", "v1=" + good[len("t=1790000000,v1="):], string(body), now, true},
		{"garbage", "s3cret", "nonsense", string(body), now, true},
		{"empty", "s3cret", "", string(body), now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header, []byte(tt.body), 5*time.Minute, tt.now)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Verify = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	now := time.Unix(1_790_000_000, 0)
	f.Add(Sign("k", now, []byte("b")), "b")
	f.Add("t=1,v1=zz", "")
	f.Add("t=,v1=,v1", "x")
	f.Fuzz(func(t *testing.T, header, body string) {
		if Verify("k", header, []byte(body), time.Minute, now) != nil {
			return
		}
		// An accepted signature must be bound to this very body.
		if Verify("k", header, []byte(body+"x"), time.Minute, now) == nil {
			t.Fatalf("header %q accepted for %q and for a changed body", header, body)
		}
	})
}
