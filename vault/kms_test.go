package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// fakeKMS speaks the KMS JSON 1.1 protocol (X-Amz-Target TrentService.*)
// well enough for GenerateDataKey, Encrypt and Decrypt, so the real SDK
// client is exercised end to end: signing, serialisation, error mapping.
// Ciphertext blobs are AES-GCM under a per-key-id master key with the
// encryption context as additional data, as real KMS binds them.
type fakeKMS struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	keys  map[string][]byte
	calls []kmsCall
}

type kmsCall struct {
	Op      string
	KeyID   string
	Context map[string]string
}

func newFakeKMS(t *testing.T, keyIDs ...string) *fakeKMS {
	f := &fakeKMS{t: t, keys: map[string][]byte{}}
	for _, id := range keyIDs {
		k := make([]byte, 32)
		rand.Read(k)
		f.keys[id] = k
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeKMS) client() *kms.Client {
	return kms.New(kms.Options{
		Region:       "eu-central-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "testsecret", ""),
		BaseEndpoint: aws.String(f.srv.URL),
	})
}

func (f *fakeKMS) callsOf(op string) []kmsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []kmsCall
	for _, c := range f.calls {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

type kmsRequest struct {
	KeyID             string            `json:"KeyId"`
	KeySpec           string            `json:"KeySpec"`
	Plaintext         []byte            `json:"Plaintext"`
	CiphertextBlob    []byte            `json:"CiphertextBlob"`
	EncryptionContext map[string]string `json:"EncryptionContext"`
}

func kmsAAD(ctx map[string]string) []byte {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(ctx)) {
		fmt.Fprintf(&b, "%d:%s=%d:%s;", len(k), k, len(ctx[k]), ctx[k])
	}
	return []byte(b.String())
}

func (f *fakeKMS) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") {
		fail(400, "UnrecognizedClientException", "request not signed with the test credentials")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		fail(400, "SerializationException", "content type "+ct)
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	if !ok {
		fail(400, "UnknownOperationException", "no TrentService target")
		return
	}
	var req kmsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(400, "SerializationException", err.Error())
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, kmsCall{Op: op, KeyID: req.KeyID, Context: req.EncryptionContext})
	f.mu.Unlock()

	seal := func(keyID string, plain []byte) ([]byte, bool) {
		f.mu.Lock()
		key := f.keys[keyID]
		f.mu.Unlock()
		if key == nil {
			return nil, false
		}
		gcm := mustGCM(key)
		nonce := make([]byte, 12)
		rand.Read(nonce)
		blob := append([]byte{byte(len(keyID))}, keyID...)
		blob = append(blob, nonce...)
		return gcm.Seal(blob, nonce, plain, kmsAAD(req.EncryptionContext)), true
	}
	arn := func(id string) string { return "arn:aws:kms:eu-central-1:111122223333:key/" + id }
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(v)
	}
	switch op {
	case "GenerateDataKey":
		if req.KeySpec != "AES_256" {
			fail(400, "ValidationException", "KeySpec "+req.KeySpec)
			return
		}
		plain := make([]byte, 32)
		rand.Read(plain)
		blob, ok := seal(req.KeyID, plain)
		if !ok {
			fail(400, "NotFoundException", "key "+req.KeyID+" does not exist")
			return
		}
		reply(map[string]any{"CiphertextBlob": blob, "Plaintext": plain, "KeyId": arn(req.KeyID)})
	case "Encrypt":
		blob, ok := seal(req.KeyID, req.Plaintext)
		if !ok {
			fail(400, "NotFoundException", "key "+req.KeyID+" does not exist")
			return
		}
		reply(map[string]any{"CiphertextBlob": blob, "KeyId": arn(req.KeyID), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
	case "Decrypt":
		b := req.CiphertextBlob
		if len(b) < 1 || len(b) < 1+int(b[0])+12+16 {
			fail(400, "InvalidCiphertextException", "")
			return
		}
		keyID := string(b[1 : 1+b[0]])
		if req.KeyID != "" && req.KeyID != keyID {
			fail(400, "IncorrectKeyException", "")
			return
		}
		f.mu.Lock()
		key := f.keys[keyID]
		f.mu.Unlock()
		if key == nil {
			fail(400, "InvalidCiphertextException", "")
			return
		}
		rest := b[1+b[0]:]
		plain, err := mustGCM(key).Open(nil, rest[:12], rest[12:], kmsAAD(req.EncryptionContext))
		if err != nil {
			fail(400, "InvalidCiphertextException", "")
			return
		}
		reply(map[string]any{"Plaintext": plain, "KeyId": arn(keyID), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
	default:
		fail(400, "UnknownOperationException", op)
	}
}

func mustGCM(key []byte) cipher.AEAD {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}
