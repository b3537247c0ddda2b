package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/go-blockstack/go-blockstack/gaia"
	"github.com/go-blockstack/go-blockstack/gaia/azure"
	"github.com/go-blockstack/go-blockstack/gaia/disk"
	"github.com/go-blockstack/go-blockstack/gaia/gcs"
	gaias3 "github.com/go-blockstack/go-blockstack/gaia/s3"
	"github.com/go-blockstack/go-blockstack/internal/runner"
)

const (
	defaultHubListen     = "127.0.0.1:4000"
	defaultDevnetHubAddr = "127.0.0.1:14000"
	// defaultDevnetAppAddr serves the sample notes app.
	defaultDevnetAppAddr = "127.0.0.1:16280"
)

func newHubCmd() *cobra.Command {
	var listen, dataDir, configPath, metricsAddr string
	var af adminFlags
	var lf logFlags
	var tf tlsFlags
	cmd := &cobra.Command{
		Use:   "hub",
		Short: "Run a Gaia storage hub (the API of @stacks/storage)",
		Long: `Run a Gaia storage hub: hub_info, store, delete, list-files, revoke-all and a
read endpoint (/read/<address>/<path>) on one HTTP listener.

With no configuration it stores on disk in --data-dir and its read URL prefix
is its own read endpoint. --config names a JSON file with the reference hub's
keys (driver, serverName, readURL, whitelist, validHubUrls,
requireCorrectHubUrl, pageSize, cacheControl, maxFileUploadSize,
authTimestampCacheSize, diskSettings.storageRootDirectory, bucket,
awsCredentials{accessKeyId,secretAccessKey,sessionToken,endpoint},
gcCredentials{projectId,keyFilename,email,credentials{client_email,private_key}},
resumable, azCredentials{accountName,accountKey}, plus awsRegion,
awsPathStyle and azEndpoint, and this hub's hardening settings
allowLegacyTokens, allowActiveContent and maxUploadsPerAddress, and the
abuse controls maxBucketSize (a bucket's quota, MiB; over it a store is 413)
and maxWritesPerMinute with writeBurst (stores and deletes per address; over
it 429 with Retry-After)); GAIA_* environment variables override the file. Drivers: disk, aws (s3),
google-cloud, azure. Several hubs over one S3 bucket, GCS bucket or Azure
container behave as one hub. See docs/gaia-drivers.md and
docs/gaia-hardening.md. HTTPS: --tls-cert and --tls-key, or --acme-domain
(docs/tls.md); the read URL prefix is then https.

The JSON file is the reference hub's format, kept so that its users bring
their file along; the flags below are set, like every server's, from the
command line, $BLOCKSTACK_HUB_<FLAG> or the [hub] table of the settings file
(--config-file), whose key config names the JSON file. Where both say where
the disk driver stores, --data-dir wins over diskSettings.storageRootDirectory
and $GAIA_DISK_STORAGE_ROOT_DIR.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// load reads the settings, at the start and at each admin reload.
			load := func() (hubConfig, error) {
				cfg, err := loadHubConfig(configPath, os.Getenv)
				if err == nil && (dataDir != "" || cfg.DiskSettings.StorageRootDirectory == "") {
					cfg.DiskSettings.StorageRootDirectory = cmp.Or(dataDir, defaultDataDir("gaia"))
				}
				return cfg, err
			}
			cfg, err := load()
			if err != nil {
				return err
			}
			log := lf.newLogger(cmd.ErrOrStderr())
			t, err := tf.open(log)
			if err != nil {
				return err
			}
			defer t.close()
			ms, err := listenMetrics(metricsAddr, log)
			if err != nil {
				return err
			}
			defer ms.close()
			adm, err := af.listen(t, log)
			if err != nil {
				return err
			}
			defer adm.close()
			hub, err := listenHub(cmd.Context(), listen, cfg, t, ms.registerer(), log)
			if err != nil {
				return err
			}
			defer hub.close()
			if err := adm.attach(hub.h, configPath, cfg, load); err != nil {
				return err
			}
			var grp runner.Group
			ms.addService(&grp, log)
			hub.addService(&grp, log)
			adm.addService(&grp, log)
			t.addServices(&grp, hub.ln.Addr(), log)
			return grp.Run(cmd.Context())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&listen, "listen", defaultHubListen, "listen address (HTTP, or HTTPS with the TLS flags)")
	fl.StringVar(&dataDir, "data-dir", "", "storage folder of the disk driver (default $HOME/.blockstack/gaia)")
	fl.StringVar(&configPath, "config", "", "the reference Gaia hub's JSON configuration `file` (driver, bucket, credentials, limits; not the settings file, --config-file)")
	addMetricsFlag(fl, &metricsAddr)
	af.add(fl)
	addLogFlags(fl, &lf)
	addTLSFlags(fl, &tf, "the hub")
	return cmd
}

type diskSettings struct {
	StorageRootDirectory string `json:"storageRootDirectory"`
}

// hubConfig is the configuration file, in the reference hub's key names
// (docs/gaia.md, "Configuration"). Unknown keys are refused, so a typo is an error,
// not a silently ignored setting.
type hubConfig struct {
	Driver               string   `json:"driver"`
	ServerName           string   `json:"serverName"`
	ReadURL              string   `json:"readURL"`
	Whitelist            []string `json:"whitelist"`
	ValidHubURLs         []string `json:"validHubUrls"`
	RequireCorrectHubURL bool     `json:"requireCorrectHubUrl"`
	PageSize             int      `json:"pageSize"`
	CacheControl         string   `json:"cacheControl"`
	MaxFileUploadSize    float64  `json:"maxFileUploadSize"`
	// AuthTimestampCacheSize is accepted so that the reference hub's
	// config files load, and unused: this hub reads a bucket's revocation
	// timestamp from storage on every request, so that a revoke-all through
	// another hub over the same storage holds here at once.
	AuthTimestampCacheSize int          `json:"authTimestampCacheSize"`
	AllowLegacyTokens      bool         `json:"allowLegacyTokens"`
	AllowActiveContent     bool         `json:"allowActiveContent"`
	MaxUploadsPerAddress   int          `json:"maxUploadsPerAddress"`
	MaxBucketSize          float64      `json:"maxBucketSize"`
	MaxWritesPerMinute     int          `json:"maxWritesPerMinute"`
	WriteBurst             int          `json:"writeBurst"`
	DiskSettings           diskSettings `json:"diskSettings"`
	Bucket                 string       `json:"bucket"`
	AWSCredentials         struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
		SessionToken    string `json:"sessionToken"`
		Endpoint        string `json:"endpoint"`
	} `json:"awsCredentials"`
	AWSRegion     string `json:"awsRegion"`
	AWSPathStyle  bool   `json:"awsPathStyle"`
	GCCredentials struct {
		ProjectID   string `json:"projectId"`
		KeyFilename string `json:"keyFilename"`
		// Email is the service account's, used when credentials has no
		// client_email.
		Email       string `json:"email"`
		Credentials struct {
			ClientEmail string `json:"client_email"`
			PrivateKey  string `json:"private_key"`
		} `json:"credentials"`
	} `json:"gcCredentials"`
	Resumable     bool `json:"resumable"`
	AZCredentials struct {
		AccountName string `json:"accountName"`
		AccountKey  string `json:"accountKey"`
	} `json:"azCredentials"`
	// AZEndpoint is the Azure account's blob service URL (an emulator's);
	// the reference hub always uses https://<account>.blob.core.windows.net.
	AZEndpoint string `json:"azEndpoint"`
}

// loadHubConfig reads path (if any) and applies the environment: defaults
// < file < environment, as the reference hub.
func loadHubConfig(path string, getenv func(string) string) (hubConfig, error) {
	cfg := hubConfig{Driver: "disk", Bucket: "hub"}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("hub config: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("hub config %s: %w", path, err)
		}
	}
	str := func(dst *string, env string) {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	var errs []error
	boolean := func(dst *bool, env string) {
		if v := getenv(env); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
			*dst = b
		}
	}
	list := func(dst *[]string, env string) {
		if v := getenv(env); v != "" {
			*dst = splitList(v)
		}
	}
	str(&cfg.Driver, "GAIA_DRIVER")
	str(&cfg.ServerName, "GAIA_SERVER_NAME")
	str(&cfg.ReadURL, "GAIA_READ_URL")
	list(&cfg.Whitelist, "GAIA_WHITELIST")
	list(&cfg.ValidHubURLs, "GAIA_VALID_HUB_URLS")
	boolean(&cfg.RequireCorrectHubURL, "GAIA_REQUIRE_CORRECT_HUB_URL")
	boolean(&cfg.AllowLegacyTokens, "GAIA_ALLOW_LEGACY_TOKENS")
	boolean(&cfg.AllowActiveContent, "GAIA_ALLOW_ACTIVE_CONTENT")
	integer := func(dst *int, env string) {
		if v := getenv(env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
			*dst = n
		}
	}
	integer(&cfg.PageSize, "GAIA_PAGE_SIZE")
	integer(&cfg.MaxUploadsPerAddress, "GAIA_MAX_UPLOADS_PER_ADDRESS")
	integer(&cfg.MaxWritesPerMinute, "GAIA_MAX_WRITES_PER_MINUTE")
	integer(&cfg.WriteBurst, "GAIA_WRITE_BURST")
	float := func(dst *float64, env string) {
		if v := getenv(env); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
			*dst = f
		}
	}
	float(&cfg.MaxFileUploadSize, "GAIA_MAX_FILE_UPLOAD_SIZE")
	float(&cfg.MaxBucketSize, "GAIA_MAX_BUCKET_SIZE")
	str(&cfg.CacheControl, "GAIA_CACHE_CONTROL")
	str(&cfg.DiskSettings.StorageRootDirectory, "GAIA_DISK_STORAGE_ROOT_DIR")
	str(&cfg.Bucket, "GAIA_BUCKET_NAME")
	str(&cfg.AWSCredentials.AccessKeyID, "GAIA_S3_ACCESS_KEY_ID")
	str(&cfg.AWSCredentials.SecretAccessKey, "GAIA_S3_SECRET_ACCESS_KEY")
	str(&cfg.AWSCredentials.SessionToken, "GAIA_S3_SESSION_TOKEN")
	str(&cfg.AWSCredentials.Endpoint, "GAIA_S3_ENDPOINT")
	str(&cfg.AWSRegion, "GAIA_S3_REGION")
	boolean(&cfg.AWSPathStyle, "GAIA_S3_PATH_STYLE")
	str(&cfg.GCCredentials.Email, "GAIA_GCP_EMAIL")
	str(&cfg.GCCredentials.ProjectID, "GAIA_GCP_PROJECT_ID")
	str(&cfg.GCCredentials.KeyFilename, "GAIA_GCP_KEY_FILENAME")
	str(&cfg.GCCredentials.Credentials.ClientEmail, "GAIA_GCP_CLIENT_EMAIL")
	str(&cfg.GCCredentials.Credentials.PrivateKey, "GAIA_GCP_CLIENT_PRIVATE_KEY")
	str(&cfg.AZCredentials.AccountName, "GAIA_AZURE_ACCOUNT_NAME")
	str(&cfg.AZCredentials.AccountKey, "GAIA_AZURE_ACCOUNT_KEY")
	str(&cfg.AZEndpoint, "GAIA_AZURE_ENDPOINT")
	if err := errors.Join(errs...); err != nil {
		return cfg, fmt.Errorf("hub config: %w", err)
	}
	switch cfg.Driver {
	case "disk", "aws", "s3", "google-cloud", "azure":
	default:
		return cfg, fmt.Errorf("hub config: driver %q: want disk, aws (s3), google-cloud or azure", cfg.Driver)
	}
	return cfg, nil
}

// splitList reads a list from the environment: a JSON array, or values
// separated by commas.
func splitList(v string) []string {
	var out []string
	if json.Unmarshal([]byte(v), &out) == nil {
		return out
	}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// openDriver makes the configured driver and what releases it.
func openDriver(ctx context.Context, cfg hubConfig) (gaia.Driver, func(), error) {
	switch cfg.Driver {
	case "disk":
		dd, err := disk.New(cfg.DiskSettings.StorageRootDirectory)
		if err != nil {
			return nil, nil, err
		}
		return dd, func() { dd.Close() }, nil
	case "google-cloud":
		gc := cfg.GCCredentials
		gd, err := gcs.New(ctx, gcs.Config{
			Bucket:       cfg.Bucket,
			ProjectID:    gc.ProjectID,
			KeyFilename:  gc.KeyFilename,
			ClientEmail:  cmp.Or(gc.Credentials.ClientEmail, gc.Email),
			PrivateKey:   gc.Credentials.PrivateKey,
			CacheControl: cfg.CacheControl,
			Resumable:    cfg.Resumable,
		})
		if err != nil {
			return nil, nil, err
		}
		return gd, func() { gd.Close() }, nil
	case "azure":
		ad, err := azure.New(ctx, azure.Config{
			Container:    cfg.Bucket,
			AccountName:  cfg.AZCredentials.AccountName,
			AccountKey:   cfg.AZCredentials.AccountKey,
			Endpoint:     cfg.AZEndpoint,
			CacheControl: cfg.CacheControl,
		})
		if err != nil {
			return nil, nil, err
		}
		return ad, func() {}, nil
	}
	sd, err := gaias3.New(ctx, gaias3.Config{
		Bucket:          cfg.Bucket,
		Endpoint:        cfg.AWSCredentials.Endpoint,
		Region:          cfg.AWSRegion,
		AccessKeyID:     cfg.AWSCredentials.AccessKeyID,
		SecretAccessKey: cfg.AWSCredentials.SecretAccessKey,
		SessionToken:    cfg.AWSCredentials.SessionToken,
		PathStyle:       cfg.AWSPathStyle,
		CacheControl:    cfg.CacheControl,
	})
	if err != nil {
		return nil, nil, err
	}
	return sd, func() {}, nil
}

// openHub builds a hub over cfg's driver for a listener at addr, served
// at the URL base, its metrics in reg (nil: none); close releases the
// driver. Without readURL in cfg the read URL prefix is the hub's own read
// endpoint under base.
func openHub(ctx context.Context, addr net.Addr, base string, cfg hubConfig, reg prometheus.Registerer, log *slog.Logger) (h *gaia.Hub, close func(), err error) {
	d, closeDriver, err := openDriver(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("hub: %w", err)
	}
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() && cfg.ReadURL == "" {
		log.Warn("hub listens on every interface but readURL is not set: clients elsewhere cannot read", "read_url_prefix", base+"/read/")
	}
	readURL := cfg.ReadURL
	if readURL == "" {
		readURL = base + "/read/"
	}
	hub, err := gaia.New(d, gaia.Config{
		ServerName:           cfg.ServerName,
		ReadURL:              readURL,
		Whitelist:            cfg.Whitelist,
		RequireCorrectHubURL: cfg.RequireCorrectHubURL,
		ValidHubURLs:         cfg.ValidHubURLs,
		PageSize:             cfg.PageSize,
		CacheControl:         cfg.CacheControl,
		MaxFileUploadSizeMB:  cfg.MaxFileUploadSize,
		AllowLegacyTokens:    cfg.AllowLegacyTokens,
		AllowActiveContent:   cfg.AllowActiveContent,
		MaxUploadsPerAddress: cfg.MaxUploadsPerAddress,
		MaxBucketSizeMB:      cfg.MaxBucketSize,
		MaxWritesPerMinute:   cfg.MaxWritesPerMinute,
		WriteBurst:           cfg.WriteBurst,
		Logger:               log,
		Metrics:              reg,
		DriverName:           cfg.Driver,
	})
	if err != nil {
		closeDriver()
		return nil, nil, fmt.Errorf("hub: %w", err)
	}
	log.Info("gaia hub listening", "url", base, "read_url_prefix", hub.ReadURLPrefix(), "driver", cfg.Driver,
		"data_dir", cfg.DiskSettings.StorageRootDirectory)
	return hub, closeDriver, nil
}

// hubServer is a hub with its listener bound, ready to run.
type hubServer struct {
	ln          net.Listener
	tls         *serverTLS
	h           *gaia.Hub
	closeDriver func()
}

// listenHub listens on addr and makes a hub to serve there, over TLS as t
// says, its metrics in reg (nil: none).
func listenHub(ctx context.Context, addr string, cfg hubConfig, t *serverTLS, reg prometheus.Registerer, log *slog.Logger) (*hubServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	h, closeDriver, err := openHub(ctx, ln.Addr(), t.url(ln.Addr()), cfg, reg, log)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return &hubServer{ln: ln, tls: t, h: h, closeDriver: closeDriver}, nil
}

// url is the hub's URL for clients on this machine.
func (s *hubServer) url() string { return s.tls.url(s.ln.Addr()) }

func (s *hubServer) addService(grp *runner.Group, log *slog.Logger) {
	grp.Add("gaia hub", func(ctx context.Context) error { return s.tls.serve(ctx, s.ln, s.h, log) })
}

// close releases the driver and the listener, once the hub has stopped.
func (s *hubServer) close() {
	s.ln.Close()
	s.closeDriver()
}
