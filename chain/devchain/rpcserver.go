package devchain

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/go-blockstack/go-blockstack/chain"
)

// rpcVersion is what getinfo reports: the btcd release whose answers this
// server imitates (rpcclient reads it to pick btcd's dialect).
const rpcVersion = 240200

// maxGenerate caps the blocks one generate or generatetoaddress call mines.
// Regtest use rarely asks for more than a few hundred (101 to mature a
// coinbase); the cap keeps one call from mining, and holding its client's
// connection, for minutes. Larger runs take several calls.
const maxGenerate = 1000

// maxRPCBody bounds a request (a raw transaction is at most 1 MB, hex-coded).
const maxRPCBody = 4 << 20

// NewRPCServer serves the subset of btcd's JSON-RPC (1.0 over HTTP POST,
// basic auth) that chain/rpc uses, so other processes can follow this
// chain as they follow btcd: getinfo, getblockchaininfo, getblockcount,
// getbestblockhash, getblockhash, getblock and getblockheader (verbosity
// 0), getrawtransaction (verbose 0), sendrawtransaction (of standard
// transactions only, as Bitcoin Core relays), generate and
// generatetoaddress (at most 1000 blocks a call, stopping when the client
// goes away), and the devnet's own faucet ADDRESS SATOSHIS.
func NewRPCServer(c *Chain, user, pass string) http.Handler {
	return &rpcServer{c: c, user: user, pass: pass}
}

type rpcServer struct {
	c          *Chain
	user, pass string
}

type rpcRequest struct {
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
	ID     json.RawMessage   `json:"id"`
}

type rpcResponse struct {
	Result any               `json:"result"`
	Error  *btcjson.RPCError `json:"error"`
	ID     json.RawMessage   `json:"id"`
}

func (s *rpcServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "JSON-RPC needs POST", http.StatusMethodNotAllowed)
		return
	}
	u, p, ok := r.BasicAuth()
	if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.user)) != 1 ||
		subtle.ConstantTimeCompare([]byte(p), []byte(s.pass)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="devchain RPC"`)
		http.Error(w, "401 Unauthorized.", http.StatusUnauthorized)
		return
	}
	var req rpcRequest
	resp := rpcResponse{}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRPCBody)).Decode(&req); err != nil {
		resp.Error = &btcjson.RPCError{Code: btcjson.ErrRPCParse.Code, Message: "parse error: " + err.Error()}
	} else {
		resp.ID = req.ID
		resp.Result, resp.Error = s.call(r.Context(), req.Method, req.Params)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// call runs one method; failures come back as btcd's error codes.
func (s *rpcServer) call(ctx context.Context, method string, params []json.RawMessage) (any, *btcjson.RPCError) {
	c := s.c
	tip, _ := c.Tip(ctx)
	switch method {
	case "getinfo":
		return btcjson.InfoChainResult{Version: rpcVersion, ProtocolVersion: int32(wire.ProtocolVersion),
			Blocks: int32(tip.Height), TestNet: true, RelayFee: 0.00001}, nil
	case "getblockchaininfo":
		return btcjson.GetBlockChainInfoResult{Chain: "regtest", Blocks: int32(tip.Height),
			Headers: int32(tip.Height), BestBlockHash: tip.Hash.String()}, nil
	case "getblockcount":
		return tip.Height, nil
	case "getbestblockhash":
		return tip.Hash.String(), nil
	case "getblockhash":
		var h int64
		if err := param(params, 0, &h); err != nil {
			return nil, err
		}
		hash, err := c.BlockHash(ctx, h)
		if err != nil {
			return nil, &btcjson.RPCError{Code: btcjson.ErrRPCOutOfRange, Message: "Block number out of range"}
		}
		return hash.String(), nil
	case "getblock", "getblockheader":
		var hs string
		if err := param(params, 0, &hs); err != nil {
			return nil, err
		}
		if !verbosityZero(params, true) {
			return nil, invalidParam("only verbosity 0 (raw hex) is served")
		}
		hash, err := chainhash.NewHashFromStr(hs)
		if err != nil {
			return nil, invalidParam("bad block hash: " + err.Error())
		}
		blk, err := c.BlockByHash(ctx, *hash)
		if err != nil {
			return nil, &btcjson.RPCError{Code: btcjson.ErrRPCBlockNotFound, Message: "Block not found"}
		}
		var buf bytes.Buffer
		if method == "getblockheader" {
			_ = blk.Header.Serialize(&buf)
		} else {
			_ = (&wire.MsgBlock{Header: blk.Header, Transactions: blk.Txs}).Serialize(&buf)
		}
		return hex.EncodeToString(buf.Bytes()), nil
	case "getrawtransaction":
		var hs string
		if err := param(params, 0, &hs); err != nil {
			return nil, err
		}
		if !verbosityZero(params, false) {
			return nil, invalidParam("only verbose 0 (raw hex) is served")
		}
		txid, err := chainhash.NewHashFromStr(hs)
		if err != nil {
			return nil, invalidParam("bad txid: " + err.Error())
		}
		tx, err := c.Transaction(ctx, *txid)
		if err != nil {
			return nil, &btcjson.RPCError{Code: btcjson.ErrRPCNoTxInfo, Message: "No information available about transaction"}
		}
		return hex.EncodeToString(serializeTx(tx)), nil
	case "sendrawtransaction":
		var hs string
		if err := param(params, 0, &hs); err != nil {
			return nil, err
		}
		raw, err := hex.DecodeString(hs)
		var tx wire.MsgTx
		if err == nil {
			err = tx.Deserialize(bytes.NewReader(raw))
		}
		if err != nil {
			return nil, &btcjson.RPCError{Code: btcjson.ErrRPCDeserialization, Message: "TX decode failed: " + err.Error()}
		}
		txid, err := c.SendTx(ctx, &tx)
		if err != nil {
			return nil, &btcjson.RPCError{Code: btcjson.ErrRPCTxError, Message: "TX rejected: " + err.Error()}
		}
		return txid.String(), nil
	case "generate", "generatetoaddress":
		var n int
		if err := param(params, 0, &n); err != nil {
			return nil, err
		}
		if n < 0 || n > maxGenerate {
			return nil, invalidParam(fmt.Sprintf("%s %d: the devnet mines 0 to at most %d blocks per call; call again for more",
				method, n, maxGenerate))
		}
		pk := c.faucetPk
		if method == "generatetoaddress" {
			addr, rerr := s.address(params, 1)
			if rerr != nil {
				return nil, rerr
			}
			var err error
			if pk, err = txscript.PayToAddrScript(addr); err != nil {
				return nil, invalidParam(err.Error())
			}
		}
		hashes, err := c.MineTo(ctx, n, pk)
		if err != nil {
			return nil, &btcjson.RPCError{Code: btcjson.ErrRPCMisc, Message: err.Error()}
		}
		out := make([]string, len(hashes))
		for i, h := range hashes {
			out[i] = h.String()
		}
		return out, nil
	case "faucet":
		addr, rerr := s.address(params, 0)
		if rerr != nil {
			return nil, rerr
		}
		var amount int64
		if err := param(params, 1, &amount); err != nil {
			return nil, err
		}
		txid, err := c.Faucet(ctx, addr, amount)
		if err != nil {
			code := btcjson.ErrRPCMisc
			if errors.Is(err, chain.ErrRejected) {
				code = btcjson.ErrRPCTxError
			}
			return nil, &btcjson.RPCError{Code: code, Message: err.Error()}
		}
		return txid.String(), nil
	}
	return nil, &btcjson.RPCError{Code: btcjson.ErrRPCMethodNotFound.Code, Message: "Method not found: " + method}
}

func (s *rpcServer) address(params []json.RawMessage, i int) (btcutil.Address, *btcjson.RPCError) {
	var as string
	if err := param(params, i, &as); err != nil {
		return nil, err
	}
	addr, err := btcutil.DecodeAddress(as, s.c.params)
	if err != nil || !addr.IsForNet(s.c.params) {
		return nil, &btcjson.RPCError{Code: btcjson.ErrRPCInvalidAddressOrKey, Message: "Invalid address: " + as}
	}
	return addr, nil
}

// param decodes positional parameter i into v.
func param(params []json.RawMessage, i int, v any) *btcjson.RPCError {
	if i >= len(params) {
		return invalidParam(fmt.Sprintf("missing parameter %d", i+1))
	}
	if err := json.Unmarshal(params[i], v); err != nil {
		return invalidParam(fmt.Sprintf("parameter %d: %v", i+1, err))
	}
	return nil
}

// verbosityZero reports whether the second parameter asks for raw hex:
// 0 or false (btcd and bitcoind accept either); absent means the method's
// default, verbose for getblock.
func verbosityZero(params []json.RawMessage, defaultVerbose bool) bool {
	if len(params) < 2 || string(params[1]) == "null" {
		return !defaultVerbose
	}
	v := string(params[1])
	if n, err := strconv.Atoi(v); err == nil {
		return n == 0
	}
	return v == "false"
}

func invalidParam(msg string) *btcjson.RPCError {
	return &btcjson.RPCError{Code: btcjson.ErrRPCInvalidParameter, Message: msg}
}
