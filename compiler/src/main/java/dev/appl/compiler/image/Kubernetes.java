package dev.appl.compiler.image;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.cloud.tools.jib.api.buildplan.Port;
import dev.appl.runtime.launch.Descriptor;
import dev.appl.runtime.launch.ParamType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes {@code DIR/NAME.k8s.yaml} for an OCI image: a Deployment that runs the image as its
 * non-root user with a read-only root file system and no capabilities, and a Service for the
 * ports the appliance listens on (none when the appliance only reads traces). Its working folder
 * is a volume of the pod ({@code emptyDir}), where the stores and the traces it writes go; the
 * files its path params name by default are read from the image. An appliance with {@code
 * afpacket:} ports keeps CAP_NET_RAW, and runs as root for it: Kubernetes gives a container's
 * capabilities to a process only when it runs as root. The image is named as
 * {@code docker load} or {@code podman load} tags it ({@code appl/NAME:latest}), pulled only if
 * it is not on the node; push it to a registry and change {@code image:} to run replicas on
 * other machines.
 */
public final class Kubernetes {
    private Kubernetes() {}

    /**
     * @param specFolder where the files that path params name by default are (those there are in the image)
     * @return the file written
     */
    public static Path write(Path dir, String name, Descriptor appliance, Path specFolder) throws IOException {
        Path file = dir.resolve(name + ".k8s.yaml");
        Files.writeString(file, yaml(name, appliance, OciImage.dataFiles(appliance, specFolder).keySet()), UTF_8);
        return file;
    }

    /** Where the pod's volume for the working folder is mounted. */
    static String stateDir(String name) {
        return OciImage.workDir(name) + "/state";
    }

    /**
     * {@code --port} options that bind the ports the spec binds to loopback by default to every
     * address instead: in a pod, loopback is not what a Service reaches.
     */
    static List<String> reboundToAllAddresses(Descriptor appliance) {
        List<String> args = new ArrayList<>();
        for (Descriptor.Port p : appliance.ports()) {
            if (OciImage.onLoopback(p.binding())) {
                String b = p.binding();
                String host = b.substring(b.indexOf(':') + 1, b.lastIndexOf(':'));
                args.add("--port");
                args.add(p.name() + "=" + b.substring(0, b.indexOf(':')) + ":" + (host.startsWith("[") ? "[::]" : "0.0.0.0")
                        + b.substring(b.lastIndexOf(':')));
            }
        }
        return args;
    }

    /**
     * {@code --param} options that name the image's copies of the files path params name by
     * default ({@code dataFiles}, relative to the image's working folder) by their full paths, as
     * the pod's working folder is another one.
     */
    static List<String> dataFilesFromTheImage(String name, Descriptor appliance, Set<String> dataFiles) {
        List<String> args = new ArrayList<>();
        for (Descriptor.Param p : appliance.params()) {
            if (p.type().kind() == ParamType.Kind.PATH && p.value() instanceof String text && !text.isEmpty()
                    && dataFiles.contains(Path.of(text).normalize().toString())) {
                args.add("--param");
                args.add(p.name() + "=" + OciImage.workDir(name) + "/" + Path.of(text).normalize());
            }
        }
        return args;
    }

    /** Whether the appliance has a packet port bound to a network interface by default. */
    static boolean usesPacketSockets(Descriptor appliance) {
        return appliance.ports().stream().anyMatch(p -> p.binding() != null && p.binding().startsWith("afpacket:"));
    }

    static String yaml(String name, Descriptor appliance, Set<String> dataFiles) {
        // Ports bound to loopback by default are bound to every address of the pod (below).
        List<Port> ports = OciImage.networkPorts(appliance, true);
        boolean packets = usesPacketSockets(appliance);
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
                .append("      securityContext:\n");
        if (packets) {
            y.append("        # Packet sockets (afpacket: ports) need CAP_NET_RAW, which Kubernetes gives a process only\n")
                    .append("        # when it runs as root; every other capability is dropped below. The interfaces must be\n")
                    .append("        # in the pod: hostNetwork: true, or a CNI plugin that adds them.\n")
                    .append("        runAsNonRoot: false\n")
                    .append("        runAsUser: 0\n")
                    .append("        runAsGroup: 0\n");
        } else {
            y.append("        runAsNonRoot: true\n")
                    .append("        runAsUser: ").append(OciImage.UID).append('\n')
                    .append("        runAsGroup: ").append(OciImage.UID).append('\n');
        }
        y.append("      volumes:\n")
                .append("        # The working folder, where stores and written traces go. An emptyDir lasts as long as the\n")
                .append("        # pod: give it a PersistentVolumeClaim instead to keep stores when the pod is replaced.\n")
                .append("        - name: state\n")
                .append("          emptyDir: {}\n")
                .append("      containers:\n")
                .append("        - name: ").append(name).append('\n')
                .append("          image: appl/").append(name).append(":latest\n")
                .append("          imagePullPolicy: IfNotPresent\n")
                .append("          # The appliance's options go here, e.g. \"--param\", \"NAME=VALUE\".\n");
        List<String> rebound = reboundToAllAddresses(appliance);
        List<String> files = dataFilesFromTheImage(name, appliance, dataFiles);
        if (rebound.isEmpty() && files.isEmpty()) {
            y.append("          args: []\n");
        } else {
            y.append("          args:\n");
            if (!rebound.isEmpty()) {
                y.append("            # Ports bound to loopback by default listen on every address of the pod, for the Service.\n");
            }
            for (String a : rebound) {
                y.append("            - \"").append(a).append("\"\n");
            }
            if (!files.isEmpty()) {
                y.append("            # The files params name by default, from the image (the working folder is the volume).\n");
            }
            for (String a : files) {
                y.append("            - \"").append(a).append("\"\n");
            }
        }
        y.append("          workingDir: ").append(stateDir(name)).append('\n')
                .append("          volumeMounts:\n")
                .append("            - name: state\n")
                .append("              mountPath: ").append(stateDir(name)).append('\n');
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
        if (packets) {
            y.append("              add: [\"NET_RAW\"]\n");
        }
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
