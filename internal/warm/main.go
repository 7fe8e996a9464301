package main

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/kms"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/aws/aws-sdk-go-v2/service/sns"
	_ "github.com/chromedp/chromedp"
	_ "github.com/hibiken/asynq"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/johannesboyne/gofakes3"
	_ "github.com/makiuchi-d/gozxing/qrcode"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/pressly/goose/v3"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "golang.org/x/image/webp"
	_ "modernc.org/sqlite"
	_ "gopkg.in/yaml.v3"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/rwcarlsen/goexif/exif"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/hibiken/asynqmon"
)

func main() {}
