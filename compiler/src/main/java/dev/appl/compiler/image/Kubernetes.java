package dev.appl.compiler.image;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.cloud.tools.jib.api.buildplan.Port;
import dev.appl.runtime.launch.Descriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes {@code DIR/NAME.k8s.yaml} for an OCI image: a Deployment that runs the image as its
 * non-root user with a read-only root file system and no capabilities, and a Service for the
 * ports the image exposes (none when the appliance only reads traces). The image is named as
 * {@code docker load} or {@code podman load} tags it ({@code appl/NAME:latest}), pulled only if
 * it is not on the node; push it to a registry and change {@code image:} to run replicas on
 * other machines.
 */
public final class Kubernetes {
    private Kubernetes() {}

    /** @return the file written */
    public static Path write(Path dir, String name, Descriptor appliance) throws IOException {
        Path file = dir.resolve(name + ".k8s.yaml");
        Files.writeString(file, yaml(name, appliance), UTF_8);
        return file;
    }

    /** A default {@code udp:} or {@code tcp:} binding to a loopback address. */
    private static final Pattern LOOPBACK = Pattern.compile("^(udp|tcp):(127\\.[0-9.]+|localhost|\\[::1\\]):(\\d{1,5})$");

    /**
     * {@code --port} options that bind the ports the spec binds to loopback by default to every
     * address instead: in a pod, loopback is not what a Service reaches.
     */
    static List<String> reboundToAllAddresses(Descriptor appliance) {
        List<String> args = new ArrayList<>();
        for (Descriptor.Port p : appliance.ports()) {
            Matcher m = p.binding() == null ? null : LOOPBACK.matcher(p.binding());
            if (m != null && m.matches()) {
                args.add("--port");
                args.add(p.name() + "=" + m.group(1) + ":" + (m.group(2).startsWith("[") ? "[::]" : "0.0.0.0") + ":"
                        + m.group(3));
            }
        }
        return args;
    }

    static String yaml(String name, Descriptor appliance) {
        List<Port> ports = OciImage.exposedPorts(appliance);
        StringBuilder y = new StringBuilder();
        y.append("# The appliance ").append(appliance.appliance()).append(" (").append(appliance.specFile())
                .append(", sha256 ").append(appliance.specSha256()).append("),\n")
                .append("# built by applc ").append(appliance.compilerVersion()).append(" into ").append(name)
                .append(".tar: load it with `docker load -i ").append(name).append(".tar` or `podman load -i ")
                .append(name).append(".tar`,\n# or push it to a registry the cluster pulls from and change `image:`.\n")
                .append("apiVersion: apps/v1\n")
                .append("kind: Deployment\n")
                .append("metadata:\n")
                .append("  name: ").append(name).append('\n')
                .append("  labels:\n")
                .append("    app.kubernetes.io/name: ").append(name).append('\n')
                .append("spec:\n")
                .append("  replicas: 1\n")
                .append("  selector:\n")
                .append("    matchLabels:\n")
                .append("      app.kubernetes.io/name: ").append(name).append('\n')
                .append("  template:\n")
                .append("    metadata:\n")
                .append("      labels:\n")
                .append("        app.kubernetes.io/name: ").append(name).append('\n')
                .append("    spec:\n")
                .append("      securityContext:\n")
                .append("        runAsNonRoot: true\n")
                .append("        runAsUser: ").append(OciImage.UID).append('\n')
                .append("        runAsGroup: ").append(OciImage.UID).append('\n')
                .append("      containers:\n")
                .append("        - name: ").append(name).append('\n')
                .append("          image: appl/").append(name).append(":latest\n")
                .append("          imagePullPolicy: IfNotPresent\n")
                .append("          # The appliance's options go here, e.g. \"--param\", \"NAME=VALUE\".\n");
        List<String> args = reboundToAllAddresses(appliance);
        if (args.isEmpty()) {
            y.append("          args: []\n");
        } else {
            y.append("          # Ports bound to loopback by default listen on every address of the pod, for the Service.\n")
                    .append("          args:\n");
            for (String a : args) {
                y.append("            - \"").append(a).append("\"\n");
            }
        }
        if (!ports.isEmpty()) {
            y.append("          ports:\n");
            for (Port p : ports) {
                y.append("            - containerPort: ").append(p.getPort()).append('\n')
                        .append("              protocol: ").append(p.getProtocol().toUpperCase(Locale.ROOT)).append('\n');
            }
        }
        y.append("          securityContext:\n")
                .append("            allowPrivilegeEscalation: false\n")
                .append("            readOnlyRootFilesystem: true\n")
                .append("            capabilities:\n")
                .append("              drop: [\"ALL\"]\n");
        if (ports.isEmpty()) {
            y.append("# No Service: ").append(appliance.appliance())
                    .append(" has no port bound to the network by default (udp: or tcp:).\n");
            return y.toString();
        }
        y.append("---\n")
                .append("apiVersion: v1\n")
                .append("kind: Service\n")
                .append("metadata:\n")
                .append("  name: ").append(name).append('\n')
                .append("spec:\n")
                .append("  selector:\n")
                .append("    app.kubernetes.io/name: ").append(name).append('\n')
                .append("  ports:\n");
        for (Port p : ports) {
            String protocol = p.getProtocol().toLowerCase(Locale.ROOT);
            y.append("    - name: ").append(protocol).append('-').append(p.getPort()).append('\n')
                    .append("      port: ").append(p.getPort()).append('\n')
                    .append("      targetPort: ").append(p.getPort()).append('\n')
                    .append("      protocol: ").append(protocol.toUpperCase(Locale.ROOT)).append('\n');
        }
        return y.toString();
    }
}
