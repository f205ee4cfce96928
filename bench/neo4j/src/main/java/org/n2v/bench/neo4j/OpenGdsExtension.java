// Assembles open-source GDS inside this benchmark's embedded Neo4j. GDS's
// own packaging module (which normally registers the component every gds.*
// procedure injects) is not published to Maven, so this Neo4j extension
// builds that component from the published procedure-integration module:
// native writes, no metrics, an in-memory model catalog, no model storage.
package org.n2v.bench.neo4j;

import java.util.Optional;
import org.neo4j.configuration.Config;
import org.neo4j.gds.applications.operations.FeatureTogglesRepository;
import org.neo4j.gds.core.model.OpenModelCatalog;
import org.neo4j.gds.core.write.NativeExportBuildersProvider;
import org.neo4j.gds.metrics.Metrics;
import org.neo4j.gds.procedures.integration.DefaultExportLocation;
import org.neo4j.gds.procedures.integration.LogAccessor;
import org.neo4j.gds.procedures.integration.OpenGraphDataScienceExtensionBuilder;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.extension.ExtensionFactory;
import org.neo4j.kernel.extension.context.ExtensionContext;
import org.neo4j.kernel.lifecycle.Lifecycle;
import org.neo4j.logging.internal.LogService;

public final class OpenGdsExtension extends ExtensionFactory<OpenGdsExtension.Dependencies> {
  /** What Neo4j hands the extension. */
  public interface Dependencies {
    Config config();

    GlobalProcedures globalProcedures();

    LogService logService();
  }

  public OpenGdsExtension() {
    super("n2v.bench.gds");
  }

  @Override
  public Lifecycle newInstance(ExtensionContext context, Dependencies deps) {
    var log = new LogAccessor().getLog(deps.logService(), getClass());
    var built = OpenGraphDataScienceExtensionBuilder.create(
        log,
        deps.globalProcedures(),
        deps.config(),
        (database, configuration) -> new NativeExportBuildersProvider(),
        new DefaultExportLocation(log, deps.config()),
        new FeatureTogglesRepository(),
        Metrics.DISABLED,
        new OpenModelCatalog(),
        model -> {
          throw new UnsupportedOperationException("models are not stored in this benchmark");
        },
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
    return built.getLeft().build();
  }
}
