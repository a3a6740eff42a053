# driftmon, built from this repository.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/driftmon ./cmd/driftmon \
 && /out/driftmon replay --write-reference /out/demo-reference.csv

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/driftmon /usr/local/bin/driftmon
COPY --from=build /out/demo-reference.csv /etc/driftmon/demo-reference.csv
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/driftmon"]
CMD ["serve", "--config", "/etc/driftmon/driftmon.yaml"]
