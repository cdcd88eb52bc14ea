# SPDX-License-Identifier: MIT
# A private CA and a localhost certificate for the test servers.
#
# test_certs DIR: write DIR/ca.pem (trusted by the clients), DIR/server.pem
# and DIR/server.key (signed by it, for localhost and 127.0.0.1), and
# DIR/other-ca.pem (a CA no server uses); openssl's output goes to
# DIR/openssl.log.  Returns non-zero when openssl fails.
test_certs() {
	local d=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
	    -keyout "$d/ca.key" -out "$d/ca.pem" -subj "/CN=jharvest test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    >"$d/openssl.log" 2>&1 || return 1
	openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" \
	    -out "$d/server.csr" -subj "/CN=localhost" \
	    >>"$d/openssl.log" 2>&1 || return 1
	printf '%s\n' "basicConstraints=CA:FALSE" \
	    "keyUsage=digitalSignature,keyEncipherment" \
	    "extendedKeyUsage=serverAuth" \
	    "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" \
	    -CAkey "$d/ca.key" -CAcreateserial -days 30 \
	    -extfile "$d/server.ext" -out "$d/server.pem" \
	    >>"$d/openssl.log" 2>&1 || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
	    -keyout "$d/other-ca.key" -out "$d/other-ca.pem" \
	    -subj "/CN=jharvest untrusted CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    >>"$d/openssl.log" 2>&1 || return 1
}
