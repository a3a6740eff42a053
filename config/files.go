package config

import (
	"errors"
	"fmt"
	"os"

	"github.com/driftmon/driftmon/table"
)

// checkFiles reads the files the configuration names besides secrets (TLS
// certificates and keys, reference files), so that a missing or malformed
// one is reported like any other mistake in the file, with its key and
// line, rather than once the service is starting. Keys Validate already
// found wrong are skipped: their error says enough.
func (c *Config) checkFiles() []error {
	var errs []error
	fail := func(path string, err error) {
		errs = append(errs, &Error{Path: path, Line: c.meta.lineOf(path), Err: err})
	}
	for _, t := range []struct {
		path string
		tls  TLSConfig
	}{
		{"kafka.tls", c.Kafka.TLS},
		{"storage.clickhouse.tls", c.Storage.ClickHouse.TLS},
	} {
		if !t.tls.Enabled || (t.tls.CertFile == "") != (t.tls.KeyFile == "") {
			continue
		}
		if _, err := t.tls.rootCAs(); err != nil {
			fail(t.path+".ca_file", err)
		}
		if t.tls.CertFile == "" {
			continue
		}
		// Name the file that is missing before trying the pair.
		certErr, keyErr := readable(t.tls.CertFile), readable(t.tls.KeyFile)
		if certErr != nil {
			fail(t.path+".cert_file", certErr)
		}
		if keyErr != nil {
			fail(t.path+".key_file", keyErr)
		}
		if certErr == nil && keyErr == nil {
			if _, err := t.tls.clientCert(); err != nil {
				fail(t.path+".cert_file", err)
			}
		}
	}
	for i := range c.Models {
		r := &c.Models[i].Reference
		if r.File == "" || r.Window != nil || r.Previous {
			continue
		}
		if err := readable(r.File); err != nil {
			fail(joinIndex("models", i)+".reference.file", err)
			continue
		}
		header, err := columnNames(r.File)
		if err != nil {
			fail(joinIndex("models", i)+".reference.file", err)
			continue
		}
		// Every declared feature must be a column, named at its own key.
		m := &c.Models[i]
		for _, f := range m.Features {
			if !header[f.Name] {
				fail(joinIndex("models", i)+".features."+f.Name,
					fmt.Errorf("%q is not a column of the reference file %s", f.Name, r.File))
			}
		}
		if m.Prediction != "" && !header["prediction"] {
			fail(joinIndex("models", i)+".prediction",
				fmt.Errorf("the reference file %s has no prediction column to compare the outputs with", r.File))
		}
	}
	return errs
}

// columnNames reads the column names of a reference file, CSV or Parquet,
// as reference.Load reads them (table.Open: the header, or the Parquet
// footer, and no rows). A name given twice is no error here: Load refuses
// it only for a declared column.
func columnNames(path string) (map[string]bool, error) {
	r, err := table.Open(path, table.DuplicateNames())
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make(map[string]bool, len(r.Columns()))
	for _, c := range r.Columns() {
		out[c.Name] = true
	}
	return out, nil
}

// readable reports whether path is a regular file this process can open.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", path, errNotRegular)
	}
	return nil
}

var errNotRegular = errors.New("not a regular file")
