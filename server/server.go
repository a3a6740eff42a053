package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
	"golang.org/x/sync/errgroup"

	"github.com/driftmon/driftmon/alerting"
	"github.com/driftmon/driftmon/config"
	"github.com/driftmon/driftmon/drift"
	"github.com/driftmon/driftmon/ingest"
	"github.com/driftmon/driftmon/labels"
	"github.com/driftmon/driftmon/monitor"
	"github.com/driftmon/driftmon/pipeline"
	"github.com/driftmon/driftmon/retry"
	"github.com/driftmon/driftmon/storage"
	"github.com/driftmon/driftmon/storage/clickhouse"
	"github.com/driftmon/driftmon/storage/embedded"
	"github.com/driftmon/driftmon/web"
	"github.com/driftmon/driftmon/window"
)

// Options are what tests and the demo change about a running service.
type Options struct {
	Logger    *slog.Logger
	Observers []pipeline.Observer
	// Alerts hears of every message alerting enqueues (the demo prints
	// them).
	Alerts func(alerting.Message)
	// Listener, when set, serves HTTP instead of listening on http.listen.
	Listener net.Listener
	// MetricsListener, when set, serves /metrics, /healthz and /readyz
	// instead of listening on http.metrics_listen (set or not).
	MetricsListener net.Listener
	// HTTPLimits' non-zero fields replace the configured HTTP limits and
	// web's defaults (tests shorten the timeouts).
	HTTPLimits web.Limits
	// TickInterval and group timings, shortened by tests.
	TickInterval      time.Duration
	HeartbeatInterval time.Duration
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	// DispatchPoll is how often the dispatcher reads the outbox unwoken
	// (alerting's default when zero).
	DispatchPoll time.Duration
	// Ready is closed once the HTTP server listens and storage answered.
	Ready chan<- struct{}
	// Clock is the consumer's time (time.Now when nil): windows close for
	// idleness, the freshness check fails and partitions checkpoint by
	// it. The demo's tests pass one that moves only when the demo says.
	Clock func() time.Time
}

// Run runs the service until ctx ends. HTTP comes up first, so /healthz
// answers and /readyz says what is missing while storage or Kafka are still
// unreachable.
func Run(ctx context.Context, cfg *config.Config, opt Options) error {
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	models, err := monitor.Build(ctx, cfg)
	if err != nil {
		return err
	}
	dialer, err := kafkaDialer(cfg.Kafka)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	pm := pipeline.NewMetrics(reg)
	pm.AllMethods = cfg.Metrics.AllMethods
	im := ingest.NewMetrics(reg)
	am := alerting.NewMetrics(reg)

	ln := opt.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.HTTP.Listen); err != nil {
			return fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
		}
	}
	mln := opt.MetricsListener
	if mln == nil && cfg.HTTP.MetricsListen != "" {
		if mln, err = net.Listen("tcp", cfg.HTTP.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("http.metrics_listen %s: %w", cfg.HTTP.MetricsListen, err)
		}
	}
	lim := opt.HTTPLimits
	if lim.MaxConnections == 0 {
		lim.MaxConnections = cfg.HTTP.MaxConnections
	}
	if lim.MaxRequests == 0 {
		lim.MaxRequests = cfg.HTTP.MaxRequests
	}
	store := &pendingStore{}
	api := web.New(web.Config{Store: store, Gatherer: reg, Token: cfg.HTTP.Token.Value(),
		TokenForReads: cfg.HTTP.RequireTokenForReads, Logger: log, References: models.FileReference,
		Limits: lim, Registerer: reg})
	g, gctx := errgroup.WithContext(ctx)
	// Each listener has its own connections and server; the handlers'
	// limits on requests at once are shared.
	serve := func(name string, ln net.Listener, h http.Handler) {
		srv := api.HTTPServer(h)
		g.Go(func() error {
			if err := srv.Serve(api.Listener(ln, name)); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("http %s listener: %w", name, err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	serve("http", ln, api.Handler())
	httpAddrs := []any{"http", ln.Addr().String()}
	if mln != nil {
		serve("metrics", mln, api.ProbeHandler())
		httpAddrs = append(httpAddrs, "metrics_http", mln.Addr().String())
	}
	g.Go(func() error {
		defer store.close()
		s, err := openStore(gctx, cfg, log)
		if err != nil {
			if gctx.Err() != nil {
				return nil
			}
			return err
		}
		store.set(s)
		return run(gctx, &service{cfg: cfg, opt: opt, store: s, dialer: dialer, models: models,
			pm: pm, im: im, am: am, api: api, log: log, httpAddrs: httpAddrs})
	})
	return g.Wait()
}

// service is what run wires together once storage is up.
type service struct {
	cfg    *config.Config
	opt    Options
	store  storage.Store
	dialer *kafka.Dialer
	models *monitor.Models
	pm     *pipeline.Metrics
	im     *ingest.Metrics
	am     *alerting.Metrics
	api    *web.Server
	log    *slog.Logger
	// httpAddrs are the listeners' addresses as log attributes.
	httpAddrs []any
}

// run runs the consumer group, the alert dispatcher and retention once
// storage is up.
func run(ctx context.Context, s *service) error {
	cfg, opt, store, log := s.cfg, s.opt, s.store, s.log
	transport := &kafka.Transport{TLS: s.dialer.TLS, SASL: s.dialer.SASLMechanism}
	// Sized for any record the consumer fetches plus the dead-letter
	// headers: oversized records exceed max_message_bytes by definition,
	// and kafka-go's default BatchBytes (1 MiB) would strip their value.
	// The dead-letter topic's max.message.bytes must allow as much.
	dlw := &kafka.Writer{
		Addr: kafka.TCP(cfg.Kafka.Brokers...), Topic: cfg.Kafka.DeadLetterTopic, Transport: transport,
		RequiredAcks: kafka.RequireAll, BatchTimeout: 10 * time.Millisecond,
		BatchBytes: ingest.DeadLetterBytes(cfg.Kafka.MaxMessageBytes),
	}
	dead := ingest.NewDeadLetter(dlw)
	defer dead.Close()

	acceptUnknown := cfg.Kafka.UnknownModels == config.AcceptUnknownModels
	// The evaluator hears of each window once it is durable: a previous-
	// window reference must be a stored window, not one a failed write
	// left behind.
	ev := monitor.NewEvaluator(store, s.models).WithLogger(log)
	observers := append([]pipeline.Observer{ev.Observe}, opt.Observers...)
	// Alerting hears of a window after it is durable, and after the
	// observers that print it. It sends only the alerts of the models this
	// instance's partitions hold.
	own := newOwners()
	al := newAlerter(ctx, cfg, store, s.am, own, opt, s.models, log)
	if al != nil {
		observers = append(observers, al.observe)
	}
	pcfg := pipeline.Config{
		Group: cfg.Kafka.GroupID, PredictionsTopic: cfg.Kafka.PredictionsTopic, LabelsTopic: cfg.Kafka.LabelsTopic,
		NewWindows: func() pipeline.Windows { return window.New(s.models.Specs()) },
		Store:      store, Evaluator: ev, Metrics: s.pm,
		Observers: observers,
		Owners:    own,
		RawLog:    true,
		Reject: func(err error) error {
			switch {
			case errors.Is(err, window.ErrUnknownModel) && acceptUnknown:
				return errIgnore
			case errors.Is(err, window.ErrUnknownModel):
				return &ingest.RejectError{Reason: ingest.ReasonUnknownModel, Detail: err.Error()}
			case errors.Is(err, window.ErrFutureEvent):
				return &ingest.RejectError{Reason: ingest.ReasonInvalidTimestamp, Detail: err.Error()}
			}
			return nil
		},
		Permanent: func(err error) bool { return errors.Is(err, storage.ErrInvalid) },
		Logger:    log,
		Freshness: s.models.Freshness(),
	}
	// Nil without a model that monitors its output: labels are then
	// logged only.
	pcfg.Labels = labels.New(labels.Config{Models: s.models.Labels(), Store: store, MaxBuffered: cfg.Labels.MaxBuffered,
		MaxWaiting: cfg.Labels.MaxWaiting, Wait: cfg.Labels.Wait})
	// Closed windows are evaluated and stored by a pool of workers while
	// the partitions read on; the pool stops after every partition closed
	// (the consumer returns only then).
	pool := pipeline.NewPool(pipeline.PoolConfig{Workers: cfg.Evaluation.Workers, PerPartition: cfg.Evaluation.MaxInFlight})
	defer pool.Stop()
	pcfg.Pool = pool
	pl := pipeline.New(pcfg)
	consumer := ingest.NewConsumer(ingest.ConsumerConfig{
		IsModel: func(key string) bool { return s.models.Get(key) != nil },
		Brokers: cfg.Kafka.Brokers, GroupID: cfg.Kafka.GroupID,
		PredictionsTopic: cfg.Kafka.PredictionsTopic, LabelsTopic: cfg.Kafka.LabelsTopic,
		Dialer: s.dialer, CheckpointInterval: cfg.Kafka.CheckpointInterval, TickInterval: opt.TickInterval,
		HeartbeatInterval: firstSet(opt.HeartbeatInterval, cfg.Kafka.HeartbeatInterval),
		SessionTimeout:    firstSet(opt.SessionTimeout, cfg.Kafka.SessionTimeout), RebalanceTimeout: firstSet(opt.RebalanceTimeout, cfg.Kafka.RebalanceTimeout),
		Decoder: ingest.DecoderOptions{MaxBytes: cfg.Kafka.MaxMessageBytes},
		Clock:   opt.Clock,
		Logger:  log,
	}, sinkFactory{pl}, dead, s.im)
	s.api.SetConsumerReady(consumer.Ready)
	log.Info("driftmon serving", slices.Concat(s.httpAddrs, []any{"brokers", cfg.Kafka.Brokers,
		"storage", string(cfg.Storage.Backend), "models", len(cfg.Models)})...)
	if opt.Ready != nil {
		close(opt.Ready)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return consumer.Run(gctx) })
	if al != nil {
		g.Go(func() error { return al.run(gctx) })
	}
	if cfg.Storage.Retention > 0 {
		g.Go(func() error { return retain(gctx, store, cfg.Storage.Retention, log) })
	}
	return g.Wait()
}

// pendingStore answers the HTTP API before storage is connected: reads fail
// with storage.ErrUnavailable until set is called.
type pendingStore struct {
	mu sync.Mutex
	s  storage.Store
}

func (p *pendingStore) set(s storage.Store) {
	p.mu.Lock()
	p.s = s
	p.mu.Unlock()
}

func (p *pendingStore) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s != nil {
		p.s.Close()
	}
}

func (p *pendingStore) get() (storage.Store, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.s == nil {
		return nil, fmt.Errorf("not connected yet: %w", storage.ErrUnavailable)
	}
	return p.s, nil
}

func (p *pendingStore) Results(ctx context.Context, q storage.ResultQuery) ([]drift.Result, error) {
	s, err := p.get()
	if err != nil {
		return nil, err
	}
	return s.Results(ctx, q)
}

func (p *pendingStore) Windows(ctx context.Context, model string, from, to time.Time) ([]*drift.WindowSummary, error) {
	s, err := p.get()
	if err != nil {
		return nil, err
	}
	return s.Windows(ctx, model, from, to)
}

func (p *pendingStore) Models(ctx context.Context) ([]string, error) {
	s, err := p.get()
	if err != nil {
		return nil, err
	}
	return s.Models(ctx)
}

func (p *pendingStore) Ping(ctx context.Context) error {
	s, err := p.get()
	if err != nil {
		return err
	}
	return s.Ping(ctx)
}

func (p *pendingStore) Alerts(ctx context.Context, q storage.AlertQuery) ([]drift.AlertRecord, error) {
	as, err := p.get()
	if err != nil {
		return nil, err
	}
	return as.Alerts(ctx, q)
}

func (p *pendingStore) Silences(ctx context.Context, since time.Time) ([]drift.Silence, error) {
	as, err := p.get()
	if err != nil {
		return nil, err
	}
	return as.Silences(ctx, since)
}

func (p *pendingStore) SaveSilence(ctx context.Context, s drift.Silence) error {
	as, err := p.get()
	if err != nil {
		return err
	}
	return as.SaveSilence(ctx, s)
}

func firstSet(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

// errIgnore tells the pipeline to skip an event of an unknown model when
// unknown models are accepted: it is counted as ingested, not windowed.
var errIgnore = ignoreError{}

type ignoreError struct{}

func (ignoreError) Error() string { return "ignored" }

// sinkFactory adapts the pipeline to the consumer's interface.
type sinkFactory struct{ pl *pipeline.Pipeline }

func (f sinkFactory) OpenPartition(ctx context.Context, topic string, partition int, now time.Time) (ingest.PartitionSink, int64, error) {
	p, resume, err := f.pl.OpenPartition(ctx, topic, partition, now)
	if err != nil {
		return nil, -1, err
	}
	return ignoring{p}, resume, nil
}

// ignoring turns errIgnore into success.
type ignoring struct{ *pipeline.Partition }

func (p ignoring) Prediction(ctx context.Context, pred *drift.Prediction, raw []byte, src drift.Source, now time.Time) error {
	if err := p.Partition.Prediction(ctx, pred, raw, src, now); !errors.Is(err, errIgnore) {
		return err
	}
	return nil
}

// openStore connects to the configured storage, retrying with backoff while
// it is unreachable and saying what is missing.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (storage.Store, error) {
	if cfg.Storage.Backend == config.BackendEmbedded {
		s, err := embedded.Open(cfg.Storage.Embedded.Path)
		if err != nil {
			return nil, fmt.Errorf("storage.embedded.path %s: %w", cfg.Storage.Embedded.Path, err)
		}
		return s, nil
	}
	ch := cfg.Storage.ClickHouse
	tlsCfg, err := ch.TLS.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("storage.clickhouse.tls: %w", err)
	}
	var store storage.Store
	err = retry.Do(ctx, func(ctx context.Context) error {
		s, err := clickhouse.Open(ctx, clickhouse.Options{Addr: ch.Addr, Database: ch.Database, User: ch.User,
			Password: ch.Password.Value(), TLS: tlsCfg, DialTimeout: ch.DialTimeout, Logger: log})
		if err != nil {
			return err
		}
		store = s
		return nil
	}, func(err error) {
		log.Error("clickhouse unavailable; retrying", "addr", ch.Addr, "err", err)
	})
	if err != nil {
		return nil, fmt.Errorf("storage.clickhouse %v: %w", ch.Addr, err)
	}
	return store, nil
}

func kafkaDialer(kc config.KafkaConfig) (*kafka.Dialer, error) {
	d := &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true}
	tlsCfg, err := kc.TLS.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kafka.tls: %w", err)
	}
	d.TLS = tlsCfg
	var mech sasl.Mechanism
	switch kc.SASL.Mechanism {
	case "":
	case config.SASLPlain:
		mech = plain.Mechanism{Username: kc.SASL.Username, Password: kc.SASL.Password.Value()}
	default:
		algo := scram.SHA256
		if kc.SASL.Mechanism == "SCRAM-SHA-512" {
			algo = scram.SHA512
		}
		if mech, err = scram.Mechanism(algo, kc.SASL.Username, kc.SASL.Password.Value()); err != nil {
			return nil, fmt.Errorf("kafka.sasl: %w", err)
		}
	}
	d.SASLMechanism = mech
	return d, nil
}

// retain drops data older than the retention period, hourly.
func retain(ctx context.Context, r storage.Store, keep time.Duration, log *slog.Logger) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		// Whole months ending before the cut go, on either backend.
		cut := time.Now().Add(-keep)
		if err := r.DropPartitionsBefore(ctx, cut); err != nil && ctx.Err() == nil {
			log.Error("retention", "before", cut, "err", err)
		} else if err == nil {
			log.Info("retention: dropped the months that ended before the cut", "before", cut)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
