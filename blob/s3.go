package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/twofetch/twofetch"
)

// S3 stores each key as an object under a prefix of a bucket.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string // "" or ending in "/"
}

var _ Store = (*S3)(nil)

// NewS3 returns a store on bucket under prefix using client.
func NewS3(client *s3.Client, bucket, prefix string) *S3 {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: client, bucket: bucket, prefix: prefix}
}

// openS3 builds the client from the URL's query: region, endpoint
// (http(s)://host:port of an S3-compatible service), path_style,
// checksum (when_supported, the SDK default, or when_required for stores
// that do not understand the newer checksum headers) and max_attempts.
func openS3(ctx context.Context, u *url.URL, base *aws.Config) (*S3, error) {
	if u.Host == "" {
		return nil, fmt.Errorf("blob: no bucket in s3 URL")
	}
	q := u.Query()
	var cfg aws.Config
	if base != nil {
		cfg = base.Copy()
	} else {
		var err error
		cfg, err = config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("blob: load AWS configuration: %v", err)
		}
	}
	if r := q.Get("region"); r != "" {
		cfg.Region = r
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	var optFns []func(*s3.Options)
	if ep := q.Get("endpoint"); ep != "" {
		eu, err := url.Parse(ep)
		if err != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
			return nil, fmt.Errorf("blob: endpoint must be an http(s) URL, got %q", ep)
		}
		optFns = append(optFns, func(o *s3.Options) { o.BaseEndpoint = aws.String(ep) })
	}
	if v := q.Get("path_style"); v != "" {
		ps, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("blob: path_style: want true or false, got %q", v)
		}
		optFns = append(optFns, func(o *s3.Options) { o.UsePathStyle = ps })
	}
	switch v := q.Get("checksum"); v {
	case "", "when_supported":
	case "when_required":
		optFns = append(optFns, func(o *s3.Options) {
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		})
	default:
		return nil, fmt.Errorf("blob: checksum: want when_supported or when_required, got %q", v)
	}
	if v := q.Get("max_attempts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("blob: max_attempts: want a positive integer, got %q", v)
		}
		optFns = append(optFns, func(o *s3.Options) { o.RetryMaxAttempts = n })
	}
	return NewS3(s3.NewFromConfig(cfg, optFns...), u.Host, u.Path), nil
}

func (s *S3) objectKey(key string) (string, error) {
	if err := ValidKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// inMemoryLimit is the largest body Put buffers in memory; larger ones go
// through a temporary file. The SDK needs a seekable body to sign the
// payload and to resend it when it retries.
const inMemoryLimit = 16 << 20

// Put uploads with a single PutObject, which S3 applies atomically.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	k, err := s.objectKey(key)
	if err != nil {
		return err
	}
	body, n, cleanup, err := seekable(r, size)
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer cleanup()
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(k),
		Body:          body,
		ContentLength: aws.Int64(n),
	}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	if _, err := s.client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

func seekable(r io.Reader, size int64) (io.ReadSeeker, int64, func(), error) {
	if rs, ok := r.(io.ReadSeeker); ok && size >= 0 {
		return rs, size, func() {}, nil
	}
	if size >= 0 && size <= inMemoryLimit {
		b := make([]byte, size)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, 0, nil, fmt.Errorf("read body: %w", err)
		}
		// A longer body than announced is as wrong as a shorter one.
		if n, _ := r.Read(make([]byte, 1)); n > 0 {
			return nil, 0, nil, fmt.Errorf("body longer than %d bytes", size)
		}
		return bytes.NewReader(b), size, func() {}, nil
	}
	f, err := os.CreateTemp("", "twofetch-blob-*")
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, r)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("got %d bytes, want %d", n, size)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, err
	}
	return f, n, cleanup, nil
}

// Get streams the object.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := s.objectKey(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)})
	if err != nil {
		if isNotFound(err) {
			return nil, twofetch.Errorf(twofetch.ENOTFOUND, "file %s not found", key)
		}
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	return out.Body, nil
}

// Delete removes the object; S3 treats a missing one as deleted.
func (s *S3) Delete(ctx context.Context, key string) error {
	k, err := s.objectKey(key)
	if err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)}); err != nil && !isNotFound(err) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// Ping checks that the bucket exists and the credentials reach it.
func (s *S3) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		return fmt.Errorf("blob: bucket %s: %w", s.bucket, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return true
		}
	}
	return false
}
