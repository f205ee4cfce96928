// The API's Node2VecParams mapped onto the engine's options. No rule lives
// here: defaults come from EmbedOptions / ReembedOptions and every check is
// the engine's (ValidateReembed), told the proto's field names so that its
// messages name the field the client set.
#ifndef N2V_SIDECAR_PARAMS_H_
#define N2V_SIDECAR_PARAMS_H_

#include "n2v/embed_options.h"
#include "n2v/option_names.h"
#include "n2v/reembed.h"
#include "n2v/v1/n2v.pb.h"

namespace n2v::sidecar {

// The proto's spelling of every option, e.g. "params.return_factor".
const OptionNames& ParamNames();

// `params` with every unset field set to the engine's default.
v1::Node2VecParams WithDefaults(const v1::Node2VecParams& params);

// The engine options `params` asks for (unchecked).
EmbedOptions ToEmbedOptions(const v1::Node2VecParams& params);
ReembedOptions ToReembedOptions(const v1::Node2VecParams& params);

// `params` as a run resolved them (ResolveReembedOptions): the learning
// rates a warm start trains at, keep_context when it is implied, and align.
v1::Node2VecParams AsResolved(v1::Node2VecParams params,
                              const EmbedOptions& resolved,
                              const ReembedOptions& reembed);

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_PARAMS_H_
