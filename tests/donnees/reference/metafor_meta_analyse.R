# Valeurs de référence R pour paquet_analyse.meta_analyse (méta-analyse entre
# régions : effets aléatoires REML, intervalle de Hartung-Knapp-Sidik-Jonkman,
# I², H², Q, intervalle de prédiction ; effet fixe en sensibilité).
#
# Implémentation de référence : metafor::rma(yi, vi, method = "REML",
# test = "knha") et predict() pour l'intervalle de prédiction ;
# metafor::rma(yi, vi, method = "FE") pour l'effet fixe.
# Le contrôle du REML est resserré (threshold = 1e-12 au lieu de 1e-5 par
# défaut) : avec le seuil par défaut, τ² n'est exact qu'à ~1e-6 près et la
# comparaison à 1e-6 en relatif serait tributaire de l'arrêt des itérations.
#
# Jeux :
#  1. bcg : le jeu dat.bcg livré avec metafor (13 essais du vaccin BCG,
#     Colditz et al. 1994), log du risque relatif par escalc(measure = "RR"),
#     l'exemple de la documentation de rma() ;
#  2. bcg_deux : ses deux premiers essais (k = 2 : Student à 1 ddl) ;
#  3. homogene : trois régions construites (log de 2, 3 et 2,5 ; variances
#     0,10, 0,20, 0,15) dont le τ² du REML vaut 0 (bord du domaine) ;
#  4. les résumés du projet : resumes_regions_projet.csv (colonnes
#     hypothese, region, estimation_echelle, erreur_type, lues telles quelles
#     dans les résumés publiés des régions SIMULÉES de la démonstration, voir
#     le README de ce dossier), une méta-analyse par hypothèse.
#
# Exécution (paquets Debian bookworm r-base-core, r-cran-metafor,
# r-cran-jsonlite) :
#   cd tests/donnees/reference && Rscript metafor_meta_analyse.R
# Écrit metafor_meta_analyse.json, que tests/test_meta_analyse.py relit.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
controle <- list(threshold = 1e-12, maxiter = 1000)

meta <- function(yi, vi, regions) {
  re <- rma(yi = yi, vi = vi, method = "REML", test = "knha", control = controle)
  fe <- rma(yi = yi, vi = vi, method = "FE")
  pr <- predict(re)
  list(
    yi = as.numeric(yi), vi = as.numeric(vi), regions = regions,
    k = re$k, estimation = as.numeric(re$b), erreur_type = re$se, ic_bas = re$ci.lb, ic_haut = re$ci.ub,
    statistique = re$zval, ddl = re$ddf, p_valeur = re$pval,
    tau2 = re$tau2, i2 = re$I2, h2 = re$H2, q = re$QE, p_q = re$QEp,
    pi_bas = pr$pi.lb, pi_haut = pr$pi.ub,
    poids = as.numeric(weights(re)),
    fixe_estimation = as.numeric(fe$b), fixe_erreur_type = fe$se, fixe_ic_bas = fe$ci.lb,
    fixe_ic_haut = fe$ci.ub, fixe_p_valeur = fe$pval
  )
}

sortie <- list(
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  appel = paste("rma(yi, vi, method = \"REML\", test = \"knha\", control = list(threshold = 1e-12,",
                "maxiter = 1000)) ; predict() ; rma(yi, vi, method = \"FE\")"),
  jeux = list()
)

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
etiquettes <- paste(dat.bcg$author, dat.bcg$year)
sortie$jeux$bcg <- meta(bcg$yi, bcg$vi, etiquettes)
sortie$jeux$bcg_deux <- meta(bcg$yi[1:2], bcg$vi[1:2], etiquettes[1:2])
sortie$jeux$homogene <- meta(log(c(2, 3, 2.5)), c(0.10, 0.20, 0.15), c("A", "B", "C"))

if (file.exists("resumes_regions_projet.csv")) {
  projet <- read.csv("resumes_regions_projet.csv", stringsAsFactors = FALSE)
  for (h in unique(projet$hypothese)) {
    d <- projet[projet$hypothese == h, ]
    sortie$jeux[[paste0("projet_", h)]] <- meta(d$estimation_echelle, d$erreur_type^2, d$region)
  }
}

write_json(sortie, "metafor_meta_analyse.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat(R.version.string, "; metafor", as.character(packageVersion("metafor")), "\n")
cat("BCG (REML, knha) : tau2 =", format(sortie$jeux$bcg$tau2, digits = 15),
    "; estimation =", format(sortie$jeux$bcg$estimation, digits = 15), "\n")
cat("Jeux écrits :", paste(names(sortie$jeux), collapse = ", "), "\n")
