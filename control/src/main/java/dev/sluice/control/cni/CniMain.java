package dev.sluice.control.cni;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code sluice-cni} executable's entry point: the CNI parameters from the environment, the network configuration
 * from stdin, the result or the spec's error object on stdout, exit status 0 or 1, logs on stderr. Kept apart from
 * the {@code sluice} CLI so a plugin run loads no picocli and no Kubernetes model (a runtime execs it per pod).
 */
public final class CniMain
{
    private CniMain()
    {
    }

    /**
     * @param args {@code --train} runs {@link CniTraining} instead (used when building the class data archive).
     * @throws IOException when stdin cannot be read.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length == 1 && "--train".equals(args[0]))
        {
            CniTraining.run();
            return;
        }
        final byte[] stdin = System.in.readAllBytes();
        final int status = run(System.getenv(), stdin, System.out);
        System.out.flush();
        System.exit(status);
    }

    /**
     * Runs one command.
     *
     * @param env   the environment.
     * @param stdin the network configuration bytes.
     * @param out   where the result or error JSON goes.
     * @return the exit status (0 on success).
     */
    public static int run(final Map<String, String> env, final byte[] stdin, final PrintStream out)
    {
        String version = NetConf.SUPPORTED_VERSIONS.getLast();
        try
        {
            final CniEnvironment cni = CniEnvironment.from(env);
            if ("VERSION".equals(cni.command()))
            {
                out.println(versionJson(stdin));
                return 0;
            }
            final NetConf conf = NetConf.parse(stdin);
            version = conf.cniVersion();
            final SluiceCniPlugin plugin = new SluiceCniPlugin(env);
            switch (cni.command())
            {
                case "ADD" -> out.println(plugin.add(cni, conf).toJson());
                case "DEL" -> plugin.del(cni, conf);
                case "CHECK" -> plugin.check(cni, conf);
                default -> throw new CniException(CniException.INVALID_ENVIRONMENT, "unknown CNI_COMMAND " +
                    cni.command());
            }
            return 0;
        }
        catch (final CniException ex)
        {
            out.println(errorJson(version, ex.code(), ex.getMessage(), ex.details()));
            SluiceCniPlugin.log("error " + ex.code() + ": " + ex.getMessage() +
                (ex.details() == null ? "" : " (" + ex.details() + ")"));
            return 1;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            ex.printStackTrace();
            out.println(errorJson(version, CniException.IO_FAILURE, "internal error: " + ex, null));
            return 1;
        }
    }

    /**
     * @param stdin the configuration ({@code {"cniVersion":...}}), possibly empty.
     * @return the VERSION answer.
     */
    static String versionJson(final byte[] stdin)
    {
        String version = NetConf.SUPPORTED_VERSIONS.getLast();
        try
        {
            final String asked = NetConf.version(NetConf.decode(stdin));
            if (NetConf.SUPPORTED_VERSIONS.contains(asked))
            {
                version = asked;
            }
        }
        catch (final CniException ignore)
        {
            // VERSION answers whatever the input: the runtime asks precisely to learn what this plugin speaks.
        }
        final ObjectNode root = NetConf.JSON.createObjectNode();
        root.put("cniVersion", version);
        final ArrayNode supported = root.putArray("supportedVersions");
        NetConf.SUPPORTED_VERSIONS.forEach(supported::add);
        return root.toString();
    }

    /**
     * @param version the spec version of the output.
     * @param code    the error code.
     * @param msg     the short message.
     * @param details the details, or null.
     * @return the spec's error object.
     */
    static String errorJson(final String version, final int code, final String msg, final String details)
    {
        final ObjectNode root = NetConf.JSON.createObjectNode();
        root.put("cniVersion", version);
        root.put("code", code);
        root.put("msg", msg);
        if (details != null)
        {
            root.put("details", details);
        }
        return root.toString();
    }
}
