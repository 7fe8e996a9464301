package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/twofetch/twofetch"
)

// kmsKEK wraps data keys with an AWS KMS key. The key material never leaves
// KMS; every unwrap is a Decrypt call that CloudTrail logs with the record's
// encryption context.
type kmsKEK struct {
	client *kms.Client
	key    string
}

// NewKMS returns a KEK backed by the AWS KMS key keyID (id, ARN or alias).
// Data keys come from GenerateDataKey and open through Decrypt, both with
// the record's tenant, account and field as encryption context.
//
// Rotation keeps keyID: AWS rotates a KMS key's material in place, and
// Vault.Rotate rewraps every data key still wrapped by another key id (for
// example after keyID was changed in the configuration, or when moving from
// a keyring with Chain).
func NewKMS(client *kms.Client, keyID string) KEK {
	return &kmsKEK{client: client, key: keyID}
}

const kmsPrefix = "kms:"

func (k *kmsKEK) keyID() string { return kmsPrefix + k.key }

// owns is true for every KMS key id: Decrypt of a symmetric ciphertext finds
// its key from the blob, so one client can unwrap under a retired key id.
func (k *kmsKEK) owns(id string) bool { return strings.HasPrefix(id, kmsPrefix) }

func (k *kmsKEK) generate(ctx context.Context, ref twofetch.SecretRef) ([]byte, []byte, string, error) {
	out, err := k.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(k.key),
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: encryptionContext(ref),
	})
	if err != nil {
		return nil, nil, "", fmt.Errorf("vault: KMS GenerateDataKey for %s: %w", ref, err)
	}
	if len(out.Plaintext) != dataKeySize || len(out.CiphertextBlob) == 0 {
		clear(out.Plaintext)
		return nil, nil, "", fmt.Errorf("vault: KMS GenerateDataKey for %s returned a %d-byte key", ref, len(out.Plaintext))
	}
	return out.Plaintext, out.CiphertextBlob, k.keyID(), nil
}

func (k *kmsKEK) wrap(ctx context.Context, plain []byte, ref twofetch.SecretRef) ([]byte, string, error) {
	out, err := k.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String(k.key),
		Plaintext:         plain,
		EncryptionContext: encryptionContext(ref),
	})
	if err != nil {
		return nil, "", fmt.Errorf("vault: KMS Encrypt for %s: %w", ref, err)
	}
	return out.CiphertextBlob, k.keyID(), nil
}

func (k *kmsKEK) unwrap(ctx context.Context, id string, wrapped []byte, ref twofetch.SecretRef) ([]byte, error) {
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    wrapped,
		KeyId:             aws.String(strings.TrimPrefix(id, kmsPrefix)),
		EncryptionContext: encryptionContext(ref),
	})
	if err != nil {
		var bad *types.InvalidCiphertextException
		var wrongKey *types.IncorrectKeyException
		if errors.As(err, &bad) || errors.As(err, &wrongKey) {
			return nil, fmt.Errorf("%w: KMS refused the data key of %s", ErrCorrupt, ref)
		}
		return nil, fmt.Errorf("vault: KMS Decrypt for %s: %w", ref, err)
	}
	if len(out.Plaintext) != dataKeySize {
		clear(out.Plaintext)
		return nil, fmt.Errorf("vault: KMS Decrypt for %s returned a %d-byte key", ref, len(out.Plaintext))
	}
	return out.Plaintext, nil
}

func (k *kmsKEK) rotate(context.Context) (KEK, error) { return k, nil }
