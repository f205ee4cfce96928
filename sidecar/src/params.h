// Conversion of the API's Node2VecParams to engine options: defaults for
// unset fields and range checks whose messages name the API field.
#ifndef N2V_SIDECAR_PARAMS_H_
#define N2V_SIDECAR_PARAMS_H_

#include "absl/status/statusor.h"
#include "n2v/embed.h"
#include "n2v/v1/n2v.pb.h"

namespace n2v::sidecar {

// `params` with every unset field set to its default.
v1::Node2VecParams WithDefaults(const v1::Node2VecParams& params);

// Engine options for `params`, or InvalidArgument like
// "params.return_factor must be finite and > 0, got -1".
absl::StatusOr<EmbedOptions> ToEmbedOptions(const v1::Node2VecParams& params);

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_PARAMS_H_
