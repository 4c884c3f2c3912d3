#!/usr/bin/env bash
# Regenerates the *.pb.swift files of this folder: OpenTelemetry's OTLP trace messages
# (common, resource, trace, and the collector's ExportTraceServiceRequest) compiled by protoc
# with swift-protobuf's plugin. The generated files are committed, so a build never needs protoc
# or the plugin (building the plugin is the slow part); run this only to move to a newer OTLP.
#
# The .proto definitions are taken from the `opentelemetry-proto` package on PyPI (the same
# package the tests parse our output with): its modules carry each file's descriptor, which
# protoc reads as a descriptor set. Needs: python3, pip, protoc (Debian's protobuf-compiler),
# swift, and network access to PyPI or a local mirror.
#
#   Sources/OTLPProtocol/generate.sh            # opentelemetry-proto 1.45.2, swift-protobuf 1.39.0
#
# The *.pb.swift files are generated code, excluded from the hand-written code's rules (files
# under ~400 lines, no repeated runs): protoc-gen-swift writes one file per .proto and, for every
# message, the same conformance code (_ProtoNameProviding, decodeMessage, traverse, ==). None of
# its options (Visibility, FileNaming, ProtoPathModuleMappings, ImplementationOnlyImports,
# UseAccessLevelOnImports) splits a file or shares that code, and cutting or editing its output
# by hand would be undone by the next run. Review them as `git diff` after regenerating, not
# line by line; the `duplicates` pairs inside them are the generator's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
OTLP_PY_VERSION="${OTLP_PY_VERSION:-1.45.2}"
SWIFT_PROTOBUF_VERSION="${SWIFT_PROTOBUF_VERSION:-1.39.0}"

python3 -m pip install --quiet --target "$work/py" "opentelemetry-proto==$OTLP_PY_VERSION"
PYTHONPATH="$work/py" python3 - "$work/otlp.pb" <<'EOF'
import sys
from google.protobuf import descriptor_pb2
import opentelemetry.proto.collector.trace.v1.trace_service_pb2 as service
files = descriptor_pb2.FileDescriptorSet()
seen = set()
def add(descriptor):
    if descriptor.name in seen:
        return
    for dependency in descriptor.dependencies:
        add(dependency)
    seen.add(descriptor.name)
    proto = descriptor_pb2.FileDescriptorProto()
    descriptor.CopyToProto(proto)
    files.file.append(proto)
add(service.DESCRIPTOR)
open(sys.argv[1], "wb").write(files.SerializeToString())
EOF

mkdir -p "$work/plugin/Sources/Empty"
cat > "$work/plugin/Package.swift" <<EOF
// swift-tools-version: 6.1
import PackageDescription
let package = Package(name: "plugin",
    dependencies: [.package(url: "https://github.com/apple/swift-protobuf", exact: "$SWIFT_PROTOBUF_VERSION")],
    targets: [.target(name: "Empty", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")])])
EOF
echo "import SwiftProtobuf" > "$work/plugin/Sources/Empty/Empty.swift"
swift build --package-path "$work/plugin" --product protoc-gen-swift

mkdir -p "$work/out"
protoc --plugin=protoc-gen-swift="$work/plugin/.build/debug/protoc-gen-swift" \
    --descriptor_set_in="$work/otlp.pb" --swift_opt=Visibility=Public --swift_out="$work/out" \
    opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto \
    opentelemetry/proto/trace/v1/trace.proto opentelemetry/proto/collector/trace/v1/trace_service.proto
for file in common/v1/common resource/v1/resource trace/v1/trace collector/trace/v1/trace_service; do
    cp "$work/out/opentelemetry/proto/$file.pb.swift" "$here/$(basename "$file").pb.swift"
done
echo "regenerated $(ls "$here"/*.pb.swift | wc -l) files in $here"
